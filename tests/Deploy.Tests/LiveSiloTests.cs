using System.Net;
using System.Net.Http.Headers;
using Grid.Abstractions.Workers;
using Grid.Client.Commands;
using Grid.Silo.Hosting;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Grid.Deploy.Tests;

/// <summary>
/// A real silo in this process, configured from an overlay's CPU silo (its arguments and environment, on
/// free loopback ports and in embedded mode instead of the pod's Redis, with throwaway certificate and token files
/// where the manifest mounts its Secrets): its probes' paths answer on the HTTP port without a token, /metrics on the
/// metrics port, with every metric the KEDA query names; the pages need a token, and take a rotated one from the
/// Secret volume without a restart; the gateway requires TLS; the host takes the manifest's shutdown budget; and gpu
/// work queues as the overlay means it to.
/// </summary>
public sealed class LiveSiloTests
{
    public static TheoryData<string> Overlays() => new(Rendered.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task A_silo_configured_as_the_overlay_says_answers_its_probes_and_exports_the_scaling_metrics(string folder)
    {
        var rendered = Rendered.Of(folder);
        var deployment = rendered.Single<V1Deployment>("grid-silo-cpu");
        var container = Rendered.SiloContainer(deployment);
        var configuration = Rendered.Configuration(rendered.Environment(container));
        var settings = SiloCommands.SiloSettings(container.Args.Skip(1).ToList(), configuration);
        var ports = container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        string tokensFile = settings.ApiTokensFile!;
        // The certificate and the tokens are the cluster's: stand-ins in the kubelet's layout, where the manifest mounts them.
        using var secrets = LocalSecrets.For(settings, container);

        // The pod's ports and Redis are not ours here: same settings otherwise, on loopback.
        using var work = new TempDirectory("grid-deploy-tests-");
        var free = Enumerable.Range(0, 4).Select(_ => FreePorts.Next()).ToArray();
        var local = new Dictionary<int, int>
        {
            [settings.HttpPort] = free[0],
            [settings.MetricsPort!.Value] = free[1],
        };
        settings.Redis = null;
        settings.AdvertisedAddress = null;
        settings.HttpAddress = IPAddress.Loopback.ToString();
        settings.SiloPort = free[2];
        settings.GatewayPort = free[3];
        settings.HttpPort = local[settings.HttpPort];
        settings.MetricsPort = local[settings.MetricsPort.Value];
        settings.DataDir = work.File("data");
        settings.ArtifactsDir = work.File("artifacts");

        await using var app = GridSilo.Build(settings, configuration: configuration);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using (var start = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await app.StartAsync(start.Token);
            }

            // The pages need a token from the Secret's file.
            string page = $"http://127.0.0.1:{settings.HttpPort}/api/sweeps";
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, page, token: null));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, page, secrets.ReadToken));
            // /metrics is not on the HTTP port, token or not (the metrics port below serves it without one).
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, $"http://127.0.0.1:{settings.HttpPort}{GridSilo.MetricsPath}", secrets.ReadToken));
            // Rotated in the Secret: the silo reads the file again (within seconds; the checks below run meanwhile).
            string previous = secrets.ReadToken;
            secrets.RotateTokens(tokensFile);

            // The gateway accepts only TLS clients.
            Assert.NotNull(await TlsProbe.ProblemAsync(new IPEndPoint(IPAddress.Loopback, settings.GatewayPort), identity: null, "the gateway at", "this client", CancellationToken.None));

            // Every probe, on the port the manifest names, answers as the kubelet needs (200), without a token.
            foreach (var (kind, probe) in new[] { ("startup", container.StartupProbe), ("liveness", container.LivenessProbe), ("readiness", container.ReadinessProbe) })
            {
                int port = local[ports.TryGetValue(probe.HttpGet.Port.Value, out int named) ? named : int.Parse(probe.HttpGet.Port.Value)];
                var url = $"http://127.0.0.1:{port}{probe.HttpGet.Path}";
                await Wait.UntilAsync(async () => (await http.GetAsync(url)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60),
                    $"the {kind} probe {probe.HttpGet.Path} answers 200 on the silo of {folder}");
            }

            // The host's shutdown budget holds the manifest's drain timeout, and the grace period outlasts it.
            var shutdown = app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
            Assert.True(shutdown > settings.DrainTimeout, $"host shutdown timeout {shutdown} vs drain timeout {settings.DrainTimeout}");
            Assert.True(TimeSpan.FromSeconds(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value) > shutdown,
                $"terminationGracePeriodSeconds {deployment.Spec.Template.Spec.TerminationGracePeriodSeconds} must exceed the silo's shutdown timeout {shutdown}");

            // Gpu work: queued for a gpu slot while no GPU silo is up where KEDA scales on that queue, else run on cpu.
            var scheduler = app.Services.GetRequiredService<IGrainFactory>().GetGrain<ISchedulerGrain>(0);
            var expected = rendered.All<ScaledObject>().Any() ? SlotKind.Gpu : SlotKind.Cpu;
            Assert.Equal(expected, await scheduler.ResolveKindAsync(SlotKind.Gpu));

            // /metrics on the metrics port (the scrape annotations' and the ServiceMonitor's), without a token.
            string metrics = await http.GetStringAsync($"http://127.0.0.1:{settings.MetricsPort}{deployment.Spec.Template.Metadata.Annotations["prometheus.io/path"]}");
            var samples = MetricSamples(metrics);
            Assert.Contains(samples, s => s.Name.StartsWith("grid_", StringComparison.Ordinal));
            foreach (var trigger in rendered.All<ScaledObject>().SelectMany(o => o.Spec.Triggers))
            {
                foreach (var selector in PromQuery.Parse(trigger.Metadata["query"]).Selectors)
                {
                    // Labels Prometheus adds when it scrapes (job, namespace, instance…) are not in the silo's output.
                    var own = selector.Labels.Where(l => l.Key is not ("job" or "namespace" or "instance" or "pod")).ToList();
                    Assert.True(samples.Any(s => s.Name == selector.Name && own.All(l => s.Labels.Contains($"{l.Key}=\"{l.Value}\""))),
                        $"the KEDA query selects {selector.Name} with {string.Join(", ", own)}, which the silo does not export:\n" +
                        string.Join("\n", samples.Where(s => s.Name.StartsWith("grid_", StringComparison.Ordinal)).Select(s => s.Name + s.Labels).Distinct()));
                }
            }

            // Polled with the old token: invalid ones count towards the silo's limit (10 a minute), valid ones do not.
            await Wait.UntilAsync(async () => await StatusAsync(http, page, previous) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(20),
                $"the silo of {folder} reads the tokens of its rotated Secret volume and refuses the old one");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, page, secrets.ReadToken));
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string url, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Sample lines of Prometheus' text format: name and the label text in braces.</summary>
    private static List<(string Name, string Labels)> MetricSamples(string text) =>
        text.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line =>
            {
                int brace = line.IndexOf('{');
                int space = line.IndexOf(' ');
                return brace >= 0 && (space < 0 || brace < space)
                    ? (line[..brace], line[brace..(line.IndexOf('}') + 1)])
                    : (line[..space], "");
            })
            .ToList();
}
