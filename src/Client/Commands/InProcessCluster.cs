using Grid.Abstractions.Workers;
using Grid.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Grid.Client.Commands;

/// <summary>
/// Several embedded silos in this process, joined into one cluster on loopback (the first is the
/// primary): what `grid bench kmeans --shards` measures a sharded fit on. Disposing stops them.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<WebApplication> _silos = [];
    private readonly string _artifacts = Path.Combine(Path.GetTempPath(), "grid-bench-" + Guid.NewGuid().ToString("N"));

    private InProcessCluster()
    {
    }

    /// <summary>Services of the first silo, from which work is driven.</summary>
    public IServiceProvider Services => _silos[0].Services;

    /// <summary>
    /// Starts <paramref name="count"/> silos reading data from <paramref name="dataDir"/> and waits until every worker has reported
    /// to the scheduler. <paramref name="tls"/>: every silo links to the others with mutual TLS, presenting this identity.
    /// </summary>
    public static async Task<InProcessCluster> StartAsync(int count, string dataDir, CancellationToken cancellationToken, TlsFiles? tls = null)
    {
        var cluster = new InProcessCluster();
        try
        {
            int primary = FreePorts.Next();
            for (int i = 0; i < count; i++)
            {
                var app = GridSilo.Build(new GridSiloOptions
                {
                    ClusterId = "grid-bench",
                    SiloPort = i == 0 ? primary : FreePorts.Next(),
                    GatewayPort = FreePorts.Next(),
                    HttpPort = FreePorts.Next(),
                    PrimarySiloPort = i == 0 ? null : primary,
                    DataDir = dataDir,
                    ArtifactsDir = cluster._artifacts,
                    Tls = tls ?? new TlsFiles(),
                }, logging =>
                {
                    GridSilo.ConsoleLogging(LogLevel.Error)(logging);
                    // A bench's silos stop together at its end, and grains deactivating then write to in-memory storage that
                    // has already stopped; Orleans and Polly report each such write as an error. A failed stage still shows in its trial.
                    logging.AddFilter("Orleans", LogLevel.Critical).AddFilter("Polly", LogLevel.Critical);
                });
                cluster._silos.Add(app);
                await app.StartAsync(cancellationToken);
            }
            var scheduler = cluster.Services.GetRequiredService<IGrainFactory>().GetGrain<ISchedulerGrain>(0);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            while ((await scheduler.GetStatusAsync()).Workers.Count(w => w.Alive) < count)
            {
                // Workers announce themselves on their first heartbeat; poll for it.
                await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Others first, the primary last, so nobody waits for a primary that is gone.
        foreach (var app in Enumerable.Reverse(_silos))
        {
            try
            {
                await app.StopAsync();
            }
            finally
            {
                await app.DisposeAsync();
            }
        }
        if (Directory.Exists(_artifacts))
        {
            Directory.Delete(_artifacts, recursive: true);
        }
    }
}
