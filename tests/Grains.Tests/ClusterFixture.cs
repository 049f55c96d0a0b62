using Grid.Abstractions.Workers;
using Grid.Compute.Data;
using Grid.Core.Datasets;
using Grid.Grains;
using Grid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Grid.Grains.Tests;

/// <summary>
/// An in-process Orleans cluster of two silos, each with one cpu slot, sharing an artifact
/// directory (as silos of a real cluster do), reading MNIST from the test data directory.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Silos = 2;

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    private static readonly TempDirectory Artifacts = new("grid-grains-tests-");

    private static readonly TempDirectory SiloData = new("grid-grains-data-");

    public static string ArtifactsDir => Artifacts.Path;

    /// <summary>
    /// The silos' data directory: MNIST only (a link to the real copy), so a Fashion-MNIST trial
    /// fails on every attempt, which is how the tests see retries end in a reasoned failure.
    /// </summary>
    public static string SiloDataDir => SiloData.Path;

    public async Task InitializeAsync()
    {
        TestData.RequireMnist();
        Directory.CreateSymbolicLink(Path.Combine(SiloDataDir, BuiltInDatasets.Mnist.Name), Path.Combine(TestData.DataDir, BuiltInDatasets.Mnist.Name));
        var builder = new TestClusterBuilder(Silos);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        // Ready when both workers have announced their slots to the scheduler.
        await Wait.UntilAsync(async () =>
        {
            var status = await Grains.GetGrain<ISchedulerGrain>(0).GetStatusAsync();
            return status.Workers.Count(w => w.Alive) == Silos;
        }, TimeSpan.FromSeconds(60), "both silos' workers register with the scheduler");
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Artifacts.Dispose();
        // Deletes the link, not the real MNIST it points to.
        SiloData.Dispose();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(GridSilo.StorageName);
            silo.UseInMemoryReminderService();
            silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            GridSilo.ConfigureGrid(silo);
            GridSilo.AddGridServices(silo.Services, new GridSiloOptions
            {
                DataDir = SiloDataDir,
                ArtifactsDir = ArtifactsDir,
                Slots = "cpu=1",
            });
            silo.Services.Configure<GridGrainOptions>(FastTimings);
            // Stages run as on any silo, unless a test asks one to fail or wait (FaultInjectingExecutor).
            silo.Services.AddSingleton<Grid.Grains.Stages.IStageExecutor>(sp => new FaultInjectingExecutor(sp.GetRequiredService<Grid.Silo.Compute.StageExecutor>()));
        }
    }

    /// <summary>Grain timings for test clusters: heartbeats, retries, progress and the sweep watchdog in seconds, not minutes.</summary>
    public static void FastTimings(GridGrainOptions o)
    {
        o.HeartbeatInterval = TimeSpan.FromSeconds(1);
        o.WorkerTimeout = TimeSpan.FromSeconds(10);
        o.RetryBackoff = TimeSpan.FromMilliseconds(100);
        o.ProgressInterval = TimeSpan.FromMilliseconds(100);
        o.SweepWatchdogPeriod = TimeSpan.FromSeconds(2);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>Where the tests find real MNIST: <c>$GRID_DATA_DIR</c> (test.sh fetches it there).</summary>
public static class TestData
{
    public static string DataDir { get; } = DatasetStore.DefaultDataDirectory();

    public static void RequireMnist()
    {
        if (!new DatasetStore(DataDir).IsComplete(BuiltInDatasets.Mnist))
        {
            throw new InvalidOperationException($"MNIST is not in {DataDir}; run `./grid data fetch mnist` (test.sh does) or set GRID_DATA_DIR");
        }
    }
}
