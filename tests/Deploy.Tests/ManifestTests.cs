using Grid.Client.Commands;
using Grid.Silo.Hosting;
using k8s;
using k8s.Models;

namespace Grid.Deploy.Tests;

/// <summary>
/// Every overlay rendered with <c>kubectl kustomize</c> and loaded with the typed models: selectors,
/// ports, probes, security, resources, GPU scheduling and scaling, checked against each other and
/// against the settings <c>grid silo</c> really reads from the arguments and environment the manifests give it.
/// </summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Deployable() => new(Rendered.Deployable);

    public static TheoryData<string> Overlays() => new(Rendered.Overlays);

    /// <summary>The endpoints a silo serves (GridSilo.Build): probes may only point at these.</summary>
    private static readonly string[] HealthPaths = ["/healthz", "/readyz"];

    [Theory]
    [MemberData(nameof(Deployable))]
    public void Renders_and_every_object_loads_as_a_known_type_with_a_unique_name(string folder)
    {
        var rendered = Rendered.Of(folder);
        Assert.NotEmpty(rendered.Objects);
        var named = rendered.Objects.Cast<IKubernetesObject<V1ObjectMeta>>().Select(o => $"{o.Kind}/{o.Metadata.Name}").ToList();
        Assert.Equal(named.Count, named.Distinct().Count());
        Assert.Equal("grid", rendered.Namespace);
    }

    [Theory]
    [MemberData(nameof(Deployable))]
    public void Workload_selectors_match_their_pod_labels(string folder)
    {
        var rendered = Rendered.Of(folder);
        foreach (var deployment in rendered.All<V1Deployment>())
        {
            Assert.True(Rendered.Selects(deployment.Spec.Selector, deployment.Spec.Template.Metadata.Labels), $"Deployment/{deployment.Metadata.Name}: selector does not match its pods");
        }
        foreach (var set in rendered.All<V1StatefulSet>())
        {
            Assert.True(Rendered.Selects(set.Spec.Selector, set.Spec.Template.Metadata.Labels), $"StatefulSet/{set.Metadata.Name}: selector does not match its pods");
            Assert.NotNull(rendered.All<V1Service>().SingleOrDefault(s => s.Metadata.Name == set.Spec.ServiceName));
        }
        // Two Deployments never select each other's pods (a PDB or Service would count both).
        var deployments = rendered.All<V1Deployment>().ToList();
        foreach (var a in deployments)
        {
            foreach (var b in deployments.Where(b => b != a))
            {
                Assert.False(Rendered.Selects(a.Spec.Selector, b.Spec.Template.Metadata.Labels), $"{a.Metadata.Name}'s selector also selects {b.Metadata.Name}'s pods");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Services_budgets_and_monitors_select_real_pods_and_ports(string folder)
    {
        var rendered = Rendered.Of(folder);
        var pods = rendered.PodTemplates().ToList();
        foreach (var service in rendered.All<V1Service>())
        {
            var selected = pods.Where(p => Rendered.Selects(service.Spec.Selector, p.Template.Metadata.Labels)).ToList();
            Assert.True(selected.Count > 0, $"Service/{service.Metadata.Name} selects no pods");
            foreach (var port in service.Spec.Ports)
            {
                // A named target port must be a container port of every selected pod.
                foreach (var (workload, template) in selected)
                {
                    var declared = template.Spec.Containers.SelectMany(c => c.Ports ?? []).ToList();
                    Assert.True(declared.Any(p => p.Name == port.TargetPort.Value || p.ContainerPort.ToString() == port.TargetPort.Value),
                        $"Service/{service.Metadata.Name} port {port.Name} targets {port.TargetPort.Value}, which {workload} does not declare");
                }
            }
        }
        foreach (var silo in rendered.Silos())
        {
            var budget = rendered.All<V1PodDisruptionBudget>().SingleOrDefault(b => Rendered.Selects(b.Spec.Selector, silo.Spec.Template.Metadata.Labels));
            Assert.True(budget is not null, $"{folder}: no PodDisruptionBudget covers Deployment/{silo.Metadata.Name}");
            // It covers only this Deployment's pods.
            Assert.All(rendered.Silos().Where(s => s != silo), other => Assert.False(Rendered.Selects(budget.Spec.Selector, other.Spec.Template.Metadata.Labels)));
        }
        foreach (var monitor in rendered.All<ServiceMonitor>())
        {
            var services = rendered.All<V1Service>().Where(s => Rendered.Selects(monitor.Spec.Selector, s.Metadata.Labels)).ToList();
            var service = Assert.Single(services);
            foreach (var endpoint in monitor.Spec.Endpoints)
            {
                Assert.Contains(service.Spec.Ports, p => p.Name == endpoint.Port);
                Assert.Equal(GridSilo.MetricsPath, endpoint.Path);
            }
            // The job label Prometheus will give the series is what the dashboards and the KEDA query select.
            Assert.NotNull(monitor.Spec.JobLabel);
            Assert.Equal(Dashboards.Job, service.Metadata.Labels[monitor.Spec.JobLabel]);
            // Every silo pod is behind the monitored Service.
            Assert.All(rendered.Silos(), s => Assert.True(Rendered.Selects(service.Spec.Selector, s.Spec.Template.Metadata.Labels), $"{s.Metadata.Name} is not scraped"));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_ports_and_probes_match_the_settings_grid_silo_reads_from_its_arguments_and_environment(string folder)
    {
        var rendered = Rendered.Of(folder);
        var silos = rendered.Silos().ToList();
        Assert.NotEmpty(silos);
        var redis = rendered.Single<V1Service>("grid-redis");
        string redisAddress = $"{redis.Metadata.Name}:{redis.Spec.Ports.Single(p => p.Name == "redis").Port}";
        foreach (var silo in silos)
        {
            var container = Rendered.SiloContainer(silo);
            var environment = rendered.Environment(container, podIp: "10.1.2.3");
            // What `grid silo ARGS` would run with in this environment (the real command-line and configuration binding).
            var settings = SiloCommands.SiloSettings(container.Args.Skip(1).ToList(), Rendered.Configuration(environment));
            // The TLS and token files are the cluster's (cert-manager's, the operator's): stand-ins here, where the manifest mounts them.
            using (LocalSecrets.For(settings, container))
            {
                settings.Validate();
            }
            string where = $"{folder} Deployment/{silo.Metadata.Name}";

            var ports = container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
            Assert.Equal(settings.SiloPort, ports["silo"]);
            Assert.Equal(settings.GatewayPort, ports["gateway"]);
            Assert.Equal(settings.HttpPort, ports["http"]);
            Assert.NotNull(settings.MetricsPort);
            Assert.Equal(settings.MetricsPort, ports["metrics"]);
            Assert.Equal(settings.MetricsPort.ToString(), silo.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
            Assert.Equal(GridSilo.MetricsPath, silo.Spec.Template.Metadata.Annotations["prometheus.io/path"]);

            // Cluster mode against the Redis Service, reachable at the pod's IP from other pods.
            Assert.Equal(redisAddress, settings.Redis);
            Assert.Equal("10.1.2.3", settings.AdvertisedAddress);
            Assert.Equal("0.0.0.0", settings.HttpAddress);
            Assert.Equal("grid", settings.ClusterId);
            Assert.Equal("grid", settings.EffectiveServiceId);
            // The pod's name, namespace and IP from the downward API.
            Assert.Equal("metadata.name", container.Env.Single(e => e.Name == "POD_NAME").ValueFrom?.FieldRef?.FieldPath);
            Assert.Equal("metadata.namespace", container.Env.Single(e => e.Name == "POD_NAMESPACE").ValueFrom?.FieldRef?.FieldPath);
            Assert.Equal("status.podIP", container.Env.Single(e => e.Name == "POD_IP").ValueFrom?.FieldRef?.FieldPath);

            // Probes: real endpoints on the HTTP port; startup and liveness ask "alive", readiness "ready".
            Assert.Equal("/healthz", HttpProbe(container.StartupProbe, ports, settings.HttpPort, where));
            Assert.Equal("/healthz", HttpProbe(container.LivenessProbe, ports, settings.HttpPort, where));
            Assert.Equal("/readyz", HttpProbe(container.ReadinessProbe, ports, settings.HttpPort, where));

            // The data and artifact directories are writable volumes.
            var mounts = container.VolumeMounts.ToDictionary(m => m.MountPath, m => m);
            Assert.False(mounts[settings.DataDir].ReadOnlyProperty ?? false);
            Assert.False(mounts[settings.ArtifactsDir].ReadOnlyProperty ?? false);
            var artifacts = silo.Spec.Template.Spec.Volumes.Single(v => v.Name == mounts[settings.ArtifactsDir].Name);
            Assert.Equal("grid-artifacts", artifacts.PersistentVolumeClaim?.ClaimName);
            Assert.NotNull(rendered.Single<V1PersistentVolumeClaim>("grid-artifacts"));
        }
        // Every silo of the overlay is in one Orleans cluster: same Redis, ids and grain settings.
        var configurations = silos.Select(s => Rendered.Configuration(rendered.Environment(Rendered.SiloContainer(s)))).ToList();
        foreach (string key in new[] { "Grid:Silo:Redis", "Grid:Silo:ClusterId", "Grid:Silo:ServiceId", "Grid:Grains:WaitForGpu" })
        {
            Assert.Single(configurations.Select(c => c[key]).Distinct());
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silos_roll_one_at_a_time_and_outlast_their_shutdown_budget(string folder)
    {
        var rendered = Rendered.Of(folder);
        foreach (var silo in rendered.Silos())
        {
            Assert.Equal("RollingUpdate", silo.Spec.Strategy.Type);
            Assert.Equal("0", silo.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
            var container = Rendered.SiloContainer(silo);
            var settings = rendered.SiloSettings(container);
            // The drain comes first in the shutdown; LiveSiloTests checks the whole host budget a silo really takes.
            Assert.True(settings.DrainTimeout > TimeSpan.Zero, $"{silo.Metadata.Name}: running stages get no time to finish");
            Assert.True(TimeSpan.FromSeconds(silo.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value) > settings.DrainTimeout,
                $"{silo.Metadata.Name}: terminationGracePeriodSeconds {silo.Spec.Template.Spec.TerminationGracePeriodSeconds} must exceed the drain timeout {settings.DrainTimeout}");
        }
    }

    [Theory]
    [MemberData(nameof(Deployable))]
    public void Every_pod_runs_under_the_restricted_profile_with_resource_requests(string folder)
    {
        var rendered = Rendered.Of(folder);
        Assert.Equal("restricted", rendered.All<V1Namespace>().SingleOrDefault()?.Metadata.Labels["pod-security.kubernetes.io/enforce"] ?? RestrictedFromBase());
        var templates = rendered.PodTemplates().ToList();
        Assert.NotEmpty(templates);
        foreach (var (workload, template) in templates)
        {
            var pod = template.Spec;
            Assert.NotNull(pod.SecurityContext);
            Assert.True(pod.SecurityContext.RunAsNonRoot, $"{workload}: runAsNonRoot");
            Assert.True(pod.SecurityContext.RunAsUser > 0, $"{workload}: a non-root runAsUser");
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile?.Type);
            Assert.False(pod.AutomountServiceAccountToken ?? true, $"{workload}: no service account token is needed");
            foreach (var container in Rendered.Containers(template))
            {
                string where = $"{workload} container {container.Name}";
                var security = container.SecurityContext;
                Assert.NotNull(security);
                Assert.False(security.AllowPrivilegeEscalation ?? true, $"{where}: allowPrivilegeEscalation must be false");
                Assert.True(security.ReadOnlyRootFilesystem, $"{where}: readOnlyRootFilesystem");
                Assert.NotNull(security.Capabilities);
                Assert.Equal(["ALL"], security.Capabilities.Drop ?? []);
                Assert.True(security.Capabilities.Add is null || security.Capabilities.Add.Count == 0, $"{where}: adds capabilities");
                Assert.True(security.Privileged is null or false, $"{where}: privileged");
                Assert.True(container.Resources?.Requests?.ContainsKey("cpu") == true && container.Resources.Requests.ContainsKey("memory"), $"{where}: cpu and memory requests");
                Assert.True(container.Resources.Limits?.ContainsKey("memory") == true, $"{where}: a memory limit");
                // A read-only root needs a writable /tmp.
                var tmp = container.VolumeMounts?.SingleOrDefault(m => m.MountPath == "/tmp");
                Assert.True(tmp is not null, $"{where}: no writable /tmp");
                Assert.NotNull(pod.Volumes.Single(v => v.Name == tmp.Name).EmptyDir);
            }
        }
    }

    [Fact]
    public void The_gpu_overlay_runs_gpu_silos_on_tainted_gpu_nodes_with_slots_from_their_gpu_count_scaled_by_keda_from_zero()
    {
        var rendered = Rendered.Of("overlays/gpu");
        var gpu = rendered.Single<V1Deployment>("grid-silo-gpu");
        var cpu = rendered.Single<V1Deployment>("grid-silo-cpu");
        var container = Rendered.SiloContainer(gpu);
        var environment = rendered.Environment(container);
        var settings = SiloCommands.SiloSettings(container.Args.Skip(1).ToList(), Rendered.Configuration(environment));

        // GPUs in limits; the slots are the GPU count, and gpu slots only (k-means stays on CPU silos).
        var gpus = container.Resources.Limits["nvidia.com/gpu"];
        int gpuCount = (int)gpus.ToDecimal();
        Assert.True(gpuCount >= 1);
        var slots = settings.ParsedSlots();
        Assert.Equal(gpuCount, slots.Gpu);
        Assert.Equal(0, slots.Cpu);
        Assert.Equal(0, rendered.SiloSettings(Rendered.SiloContainer(cpu)).ParsedSlots().Gpu);
        Assert.False(Rendered.SiloContainer(cpu).Resources.Limits.ContainsKey("nvidia.com/gpu"));

        // GPU nodes only: a node selector, and the usual taint tolerated.
        var pod = gpu.Spec.Template.Spec;
        Assert.NotEmpty(pod.NodeSelector);
        Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu" && t.Effect == "NoSchedule" && (t.OperatorProperty == "Exists" || t.Value is not null));
        Assert.True(cpu.Spec.Template.Spec.Tolerations is null || cpu.Spec.Template.Spec.Tolerations.Count == 0, "CPU silos must not land on GPU nodes");

        // KEDA owns the replica count (none in the manifest, so a re-apply does not reset it) and scales from zero.
        Assert.Null(gpu.Spec.Replicas);
        var scaled = Assert.Single(rendered.All<ScaledObject>());
        Assert.Equal(gpu.Metadata.Name, scaled.Spec.ScaleTargetRef.Name);
        Assert.Equal(0, scaled.Spec.MinReplicaCount);
        Assert.True(scaled.Spec.MaxReplicaCount >= 1);
        Assert.True(scaled.Spec.CooldownPeriod >= 60, "a cool-down of at least a minute, so GPU nodes do not flap");
        var trigger = Assert.Single(scaled.Spec.Triggers);
        Assert.Equal("prometheus", trigger.Type);
        // One replica per `threshold` units of gpu work: a silo's gpu slots.
        Assert.Equal(gpuCount, int.Parse(trigger.Metadata["threshold"]));
        Assert.StartsWith("http", trigger.Metadata["serverAddress"]);
        var query = PromQuery.Parse(trigger.Metadata["query"]);
        Assert.NotEmpty(query.Selectors);
        foreach (var selector in query.Selectors)
        {
            Assert.Equal("gpu", selector.Labels["resource"]);
            Assert.Equal(Dashboards.Job, selector.Labels["job"]);
            Assert.Equal(rendered.Namespace, selector.Labels["namespace"]);
        }

        // While no GPU silo is up, gpu work must queue for gpu slots: else the queue KEDA watches stays empty.
        Assert.Equal("true", Rendered.Configuration(environment)["Grid:Grains:WaitForGpu"]);
    }

    [Fact]
    public void The_dev_overlay_has_no_gpu_silos_and_lets_gpu_work_run_on_cpu_slots()
    {
        var rendered = Rendered.Of("overlays/dev");
        Assert.DoesNotContain(rendered.Silos(), s => Rendered.SiloContainer(s).Resources.Limits.ContainsKey("nvidia.com/gpu"));
        Assert.Empty(rendered.All<ScaledObject>());
        var silo = Assert.Single(rendered.Silos());
        Assert.Equal("false", Rendered.Configuration(rendered.Environment(Rendered.SiloContainer(silo)))["Grid:Grains:WaitForGpu"]);
        // A one-node cluster: the artifact volume need not be ReadWriteMany.
        Assert.Equal(["ReadWriteOnce"], rendered.Single<V1PersistentVolumeClaim>("grid-artifacts").Spec.AccessModes);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Network_policies_deny_ingress_by_default_and_open_only_the_ports_the_pods_declare(string folder)
    {
        var rendered = Rendered.Of(folder);
        var policies = rendered.All<V1NetworkPolicy>().ToList();
        Assert.Contains(policies, p => (p.Spec.PodSelector.MatchLabels is null || p.Spec.PodSelector.MatchLabels.Count == 0)
            && p.Spec.PolicyTypes.Contains("Ingress") && (p.Spec.Ingress is null || p.Spec.Ingress.Count == 0));
        var templates = rendered.PodTemplates().ToList();
        foreach (var policy in policies.Where(p => p.Spec.PodSelector.MatchLabels?.Count > 0))
        {
            var selected = templates.Where(t => Rendered.Selects(policy.Spec.PodSelector, t.Template.Metadata.Labels)).ToList();
            Assert.True(selected.Count > 0, $"NetworkPolicy/{policy.Metadata.Name} selects no pods");
            foreach (var port in policy.Spec.Ingress.SelectMany(r => r.Ports ?? []))
            {
                Assert.All(selected, t => Assert.Contains(t.Template.Spec.Containers.SelectMany(c => c.Ports ?? []), p => p.ContainerPort.ToString() == port.Port.Value || p.Name == port.Port.Value));
            }
        }
        var silo = rendered.Single<V1NetworkPolicy>("grid-silo");
        var settings = rendered.SiloSettings(Rendered.SiloContainer(rendered.Silos().First()));
        // Silo to silo on the silo port; clients on the gateway; Prometheus on the metrics port; nothing else.
        var siloLabels = rendered.Silos().First().Spec.Template.Metadata.Labels;
        Assert.Contains(silo.Spec.Ingress, r => Opens(r, settings.SiloPort) && r.FromProperty.Any(f => f.NamespaceSelector is null && Rendered.Selects(f.PodSelector, siloLabels)));
        Assert.Contains(silo.Spec.Ingress, r => Opens(r, settings.GatewayPort) && r.FromProperty.Any(f => Rendered.Selects(f.PodSelector, ClientLabels())));
        Assert.Contains(silo.Spec.Ingress, r => Opens(r, settings.MetricsPort!.Value) && r.FromProperty.All(f => f.NamespaceSelector is not null));
        Assert.DoesNotContain(silo.Spec.Ingress, r => r.FromProperty is null || r.FromProperty.Count == 0 || r.Ports is null || r.Ports.Count == 0);
        // The silo port is for silos only.
        Assert.DoesNotContain(silo.Spec.Ingress, r => Opens(r, settings.SiloPort) && r.FromProperty.Any(f => !Rendered.Selects(f.PodSelector, siloLabels)));
        var redis = rendered.Single<V1NetworkPolicy>("grid-redis");
        Assert.Contains(redis.Spec.Ingress, r => r.FromProperty.Any(f => Rendered.Selects(f.PodSelector, ClientLabels())));
        Assert.Contains(redis.Spec.Ingress, r => r.FromProperty.Any(f => Rendered.Selects(f.PodSelector, siloLabels)));
    }

    private static bool Opens(V1NetworkPolicyIngressRule rule, int port) => rule.Ports?.Any(p => p.Port.Value == port.ToString()) == true;

    /// <summary>The labels of the sweep Job's pods: the client the policies let in.</summary>
    private static IDictionary<string, string> ClientLabels() =>
        Rendered.Of("sweep").All<V1Job>().Single().Spec.Template.Metadata.Labels;

    /// <summary>The path of an httpGet probe, after checking it targets the silo's HTTP port.</summary>
    private static string HttpProbe(V1Probe? probe, IReadOnlyDictionary<string, int> ports, int httpPort, string where)
    {
        Assert.True(probe?.HttpGet is not null, $"{where}: an httpGet probe is missing");
        string port = probe.HttpGet.Port.Value;
        int number = ports.TryGetValue(port, out int named) ? named : int.Parse(port);
        Assert.True(number == httpPort, $"{where}: probe on port {port}, the silo serves {probe.HttpGet.Path} on {httpPort}");
        Assert.Contains(probe.HttpGet.Path, HealthPaths);
        return probe.HttpGet.Path;
    }

    private static string RestrictedFromBase() =>
        Rendered.Of("overlays/dev").All<V1Namespace>().Single().Metadata.Labels["pod-security.kubernetes.io/enforce"];
}
