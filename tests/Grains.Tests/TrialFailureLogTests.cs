using System.Collections.Concurrent;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Grains.Runs;
using Grid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Grid.Grains.Tests;

/// <summary>
/// A trial's failure is a warning in the silo's log only when it is recorded: a chain whose write of the failure is
/// refused (its activation went away and another one owns the trial, so the trial may still succeed) logs at Debug.
/// One silo whose grain storage refuses to store the failure of the trials of sweeps named "refused-…"; its data
/// directory is empty, so every trial fails.
/// </summary>
public sealed class TrialFailureLogTests : IAsyncLifetime
{
    private const string DataKey = "Grid:Test:Data";
    private const string LogKey = "Grid:Test:Log";

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<(LogLevel Level, string Text)>> Logs = new();

    private readonly string _logId = Guid.NewGuid().ToString("N");
    private readonly TempDirectory _dataDir = new("grid-empty-data-");
    private TestCluster _cluster = null!;

    private IReadOnlyList<(LogLevel Level, string Text)> Log => Logs[_logId].ToList();

    public async Task InitializeAsync()
    {
        Logs[_logId] = new ConcurrentQueue<(LogLevel, string)>();
        var builder = new TestClusterBuilder(1);
        builder.Properties[DataKey] = _dataDir.Path;
        builder.Properties[LogKey] = _logId;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        Logs.TryRemove(_logId, out _);
        _dataDir.Dispose();
    }

    [Fact]
    public async Task A_failure_whose_record_is_refused_is_logged_at_debug_and_a_recorded_one_as_a_warning()
    {
        var spec = Specs.Valid("""
            { "datasets": ["mnist"], "split": { "train": 600, "test": 100 }, "representations": ["pixels"], "scalers": ["none"], "k": [5] }
            """, "no-data");

        await _cluster.Client.GetGrain<ISweepGrain>("refused-1").SubmitAsync(spec);
        await _cluster.Client.GetGrain<ISweepGrain>("recorded-1").SubmitAsync(spec);

        // The only lines the trial grains log here are about the end of their chains.
        await Wait.UntilAsync(() => Task.FromResult(Log.Any(l => l.Text.Contains("refused-1")) && Log.Any(l => l.Text.Contains("recorded-1"))),
            TimeSpan.FromSeconds(60), "both trials' chains end (their stage fails three times on the empty data directory)");
        var lines = Log;
        Assert.Contains(lines, l => l.Level == LogLevel.Warning && l.Text.Contains("recorded-1") && l.Text.EndsWith("failed", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Warning && l.Text.Contains("refused-1"));
        Assert.Contains(lines, l => l.Level == LogLevel.Debug && l.Text.Contains("refused-1") && l.Text.Contains("recording the failure was refused"));
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var config = silo.Configuration;
            silo.AddMemoryGrainStorage("inner");
            silo.Services.AddKeyedSingleton<IGrainStorage>(GridSilo.StorageName, (services, _) =>
                new RefusingStorage(services.GetRequiredKeyedService<IGrainStorage>("inner")));
            silo.UseInMemoryReminderService();
            silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            GridSilo.ConfigureGrid(silo);
            GridSilo.AddGridServices(silo.Services, new GridSiloOptions { DataDir = config[DataKey]!, ArtifactsDir = config[DataKey]!, Slots = "cpu=1" });
            silo.Services.Configure<GridGrainOptions>(ClusterFixture.FastTimings);
            var lines = Logs[config[LogKey]!];
            silo.Services.AddLogging(logging => logging
                .AddProvider(new CapturingLoggerProvider(lines))
                .AddFilter<CapturingLoggerProvider>("Grid.Grains.Runs.TrialGrain", LogLevel.Debug));
        }
    }

    /// <summary>Grain storage that refuses, as an ETag conflict, to store the failure of a trial of a sweep named "refused-…".</summary>
    private sealed class RefusingStorage(IGrainStorage inner) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            grainState.State is TrialGrainState { Status.State: TrialState.Failed } && grainId.ToString().Contains("refused-", StringComparison.Ordinal)
                ? throw new InconsistentStateException($"the test refuses to store the failure of {grainId}")
                : inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<(LogLevel, string)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName == typeof(TrialGrain).FullName ? new Logger(lines) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
