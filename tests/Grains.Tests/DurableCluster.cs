using System.Collections.Concurrent;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Compute.Data;
using Grid.Core.Datasets;
using Grid.Silo.Compute;
using Grid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Grid.Grains.Tests;

/// <summary>
/// An in-process cluster of three silos that a test may break: grain state and reminders in a real
/// redis-server (so they outlive the silo that wrote them, as in cluster mode), failure detection in
/// seconds, one cpu slot per silo, a shared artifact directory and an MNIST-only data directory as in
/// <see cref="ClusterFixture"/>. Membership is the test cluster's own, hosted on the primary silo:
/// tests kill or stop only the others. Disposing stops the silos and Redis and deletes the directories.
/// </summary>
public sealed class DurableCluster : IAsyncDisposable
{
    public const int Silos = 3;

    /// <summary>How long a silo stopped gracefully may spend finishing its stages before handing them back.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private const string RedisKey = "Grid:Test:Redis";
    private const string ArtifactsKey = "Grid:Test:Artifacts";
    private const string DataKey = "Grid:Test:Data";
    private const string LogKey = "Grid:Test:Log";

    /// <summary>Log lines of each cluster, by the id its silos find in their configuration.</summary>
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Logs = new();

    private readonly string _logId = Guid.NewGuid().ToString("N");
    private readonly ITestOutputHelper _output;

    private DurableCluster(RedisServer redis, ITestOutputHelper output)
    {
        Redis = redis;
        _output = output;
        Logs[_logId] = new ConcurrentQueue<string>();
    }

    public RedisServer Redis { get; }

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    private readonly TempDirectory _artifacts = new("grid-durable-artifacts-");

    private readonly TempDirectory _data = new("grid-durable-data-");

    public string ArtifactsDir => _artifacts.Path;

    public string DataDir => _data.Path;

    public static async Task<DurableCluster> StartAsync(ITestOutputHelper output)
    {
        TestData.RequireMnist();
        var cluster = new DurableCluster(await RedisServer.StartAsync(), output);
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(cluster.DataDir, BuiltInDatasets.Mnist.Name), Path.Combine(TestData.DataDir, BuiltInDatasets.Mnist.Name));
            var builder = new TestClusterBuilder(Silos);
            builder.Properties[RedisKey] = cluster.Redis.Address;
            builder.Properties[ArtifactsKey] = cluster.ArtifactsDir;
            builder.Properties[DataKey] = cluster.DataDir;
            builder.Properties[LogKey] = cluster._logId;
            builder.AddSiloBuilderConfigurator<SiloConfigurator>();
            cluster.Cluster = builder.Build();
            await cluster.Cluster.DeployAsync();
            await Wait.UntilAsync(async () =>
            {
                var status = await cluster.Scheduler.GetStatusAsync();
                return status.Workers.Count(w => w.Alive) == Silos;
            }, TimeSpan.FromSeconds(60), "the three silos' workers register with the scheduler");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public ISchedulerGrain Scheduler => Grains.GetGrain<ISchedulerGrain>(0);

    /// <summary>The silo whose worker id (its silo address) is <paramref name="workerId"/>.</summary>
    public SiloHandle SiloOf(string workerId) =>
        Cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == workerId);

    /// <summary>The stages running on <paramref name="silo"/>'s compute threads now, as the silo itself sees them.</summary>
    public static IReadOnlyList<SlotLease> RunningOn(SiloHandle silo) =>
        ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<StageExecutor>().Running;

    /// <summary>
    /// Waits until a silo other than the primary (or <paramref name="only"/>) runs a stage: the scheduler counts a busy
    /// slot on its worker and the silo's executor runs the lease. Returns the silo and the stage's lease.
    /// </summary>
    public async Task<(SiloHandle Silo, SlotLease Lease)> BusySecondaryAsync(TimeSpan timeout, SiloHandle? only = null)
    {
        (SiloHandle, SlotLease)? found = null;
        await Wait.UntilAsync(async () =>
        {
            var status = await Scheduler.GetStatusAsync();
            found = status.Workers
                .Where(w => w.BusyCpu > 0)
                .Select(w => SiloOf(w.WorkerId))
                .Where(s => s != Cluster.Primary && (only is null || s == only))
                .Select(s => (Silo: s, Lease: RunningOn(s).FirstOrDefault()))
                .Where(p => p.Lease is not null)
                .Select(p => ((SiloHandle, SlotLease)?)(p.Silo, p.Lease!))
                .FirstOrDefault();
            return found is not null;
        }, timeout, $"{only?.Name ?? "a silo other than the primary"} runs a stage");
        return found!.Value;
    }

    /// <summary>
    /// Submits <paramref name="spec"/>; with <paramref name="placeOn"/>, the sweep grain and every grain its calls
    /// activate (its trials, their stages) are placed on that silo (Orleans' placement hint, which travels with the
    /// request context), so that silo holds the sweep's whole orchestration.
    /// </summary>
    public async Task SubmitAsync(string sweepId, SweepSpec spec, SiloHandle? placeOn)
    {
        if (placeOn is not null)
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, placeOn.SiloAddress);
        }
        try
        {
            await Grains.GetGrain<ISweepGrain>(sweepId).SubmitAsync(spec);
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    /// <summary>Waits until the membership of every live silo has <paramref name="silo"/> dead or leaving.</summary>
    public Task WaitUntilEverySiloSeesDeadAsync(SiloHandle silo, TimeSpan timeout) =>
        Wait.UntilAsync(() => Task.FromResult(Cluster.GetActiveSilos().All(s =>
                ((InProcessSiloHandle)s).SiloHost.Services.GetRequiredService<IClusterMembershipService>()
                    .CurrentSnapshot.GetSiloStatus(silo.SiloAddress).IsTerminating())),
            timeout, $"every live silo's membership has {silo.Name} dead");

    /// <summary>
    /// Polls the sweep until it has finished. The sweep grain may have lived on a silo that is gone: a call
    /// that fails because of that is asked again (the grain comes back on a live silo from Redis).
    /// </summary>
    public async Task<SweepSnapshot> WaitForSweepAsync(string sweepId, TimeSpan timeout)
    {
        var sweep = Grains.GetGrain<ISweepGrain>(sweepId);
        SweepSnapshot? last = null;
        Exception? lastError = null;
        try
        {
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    last = await sweep.GetSnapshotAsync().WaitAsync(TimeSpan.FromSeconds(10));
                    lastError = null;
                }
                catch (Exception ex) when (SiloLoss.Is(ex))
                {
                    lastError = ex;
                }
                return last?.IsFinished == true;
            }, timeout, $"sweep {sweepId} finishes");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last snapshot: {last?.State}, {last?.Count(TrialState.Succeeded)} succeeded, " +
                $"{last?.Count(TrialState.Failed)} failed of {last?.Total}; last error: {lastError?.Message}", ex);
        }
        return last!;
    }

    /// <summary>The grid's own log lines (Information and above) and Orleans' errors, in order.</summary>
    public IReadOnlyList<string> LogLines => Logs.TryGetValue(_logId, out var lines) ? lines.ToList() : [];

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            try
            {
                await Cluster.StopAllSilosAsync();
            }
            finally
            {
                await Cluster.DisposeAsync();
            }
        }
        await Redis.DisposeAsync();
        foreach (string line in LogLines)
        {
            _output.WriteLine(line);
        }
        Logs.TryRemove(_logId, out _);
        _artifacts.Dispose();
        // Deletes the link, not the real MNIST it points to.
        _data.Dispose();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var config = silo.Configuration;
            var redis = ConfigurationOptions.Parse(config[RedisKey]!);
            silo.AddRedisGrainStorage(GridSilo.StorageName, o => o.ConfigurationOptions = redis);
            silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            // A silo that stops answering is declared dead within seconds, by one vote (the default two would
            // need both survivors to notice), and the survivors learn it from the table within a second or two.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
            GridSilo.ConfigureGrid(silo);
            GridSilo.AddGridServices(silo.Services, new GridSiloOptions
            {
                DataDir = config[DataKey]!,
                ArtifactsDir = config[ArtifactsKey]!,
                Slots = "cpu=1",
                DrainTimeout = DrainTimeout,
            });
            silo.Services.Configure<GridGrainOptions>(o =>
            {
                ClusterFixture.FastTimings(o);
                o.LeaseGrace = TimeSpan.FromSeconds(10);
            });
            if (Logs.TryGetValue(config[LogKey]!, out var lines))
            {
                silo.Services.AddLogging(logging => logging.AddProvider(new QueueLoggerProvider(config["Orleans:Name"] ?? "silo", lines)));
            }
        }
    }

    /// <summary>Keeps the grid's Information lines and everyone's errors, with the silo's name, for the test's output.</summary>
    private sealed class QueueLoggerProvider(string silo, ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(silo, categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class QueueLogger(string silo, string category, ConcurrentQueue<string> lines) : ILogger
        {
            private readonly LogLevel _minimum = category.StartsWith("Grid.", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Error;

            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }
                string error = exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})";
                lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {silo} {logLevel} {category[(category.LastIndexOf('.') + 1)..]}: {formatter(state, exception)}{error}");
            }
        }
    }
}
