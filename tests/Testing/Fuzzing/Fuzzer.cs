using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit;

namespace Grid.Testing.Fuzzing;

/// <summary>What a fuzz run did: how many inputs, how many ended in a result and how many in a clear error, and its costliest input.</summary>
public sealed record FuzzReport(string Name, int Inputs, int Accepted, int Refused, TimeSpan Elapsed, TimeSpan Slowest, string SlowestInput, long MostAllocated)
{
    public override string ToString() =>
        $"{Name}: {Inputs} inputs ({Accepted} accepted, {Refused} refused) in {Elapsed.TotalSeconds:0.00} s; " +
        $"most allocated {MostAllocated / 1e6:0.0} MB; slowest {Slowest.TotalMilliseconds:0} ms: {SlowestInput[..Math.Min(SlowestInput.Length, 200)]}";
}

/// <summary>
/// Runs a reader on inputs drawn from an FsCheck generator with a fixed seed (the same inputs on every run), and fails on
/// the first input that ends in anything but a result or the reader's clear error for bad input: another exception, more
/// than <see cref="MaxTime"/>, or more than <see cref="MaxAllocated"/> bytes allocated on the reading thread. The failure
/// names the input in full (<see cref="FuzzInput.ToString"/>), so it can become a regression test.
/// </summary>
public static class Fuzzer
{
    /// <summary>FsCheck's replay seed for every run: a changed seed draws other inputs, so it changes only on purpose.</summary>
    public const ulong Seed = 17;

    /// <summary>The most one input may take; an input still running after it is reported as a hang.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(1);

    /// <summary>The most one input may allocate (measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>).</summary>
    public const long MaxAllocated = 200_000_000;

    /// <summary>Inputs run before the counted ones, under every check but the time: a reader's first run compiles its code.</summary>
    public const int WarmUpInputs = 50;

    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="count"/> inputs of <paramref name="inputs"/>. It returns true for a
    /// result and false for bad input it reported without throwing (a list of errors); a thrown exception counts as
    /// refused when <paramref name="isClearError"/> accepts it, and fails the run otherwise. Assertions inside
    /// <paramref name="read"/> (about the result) fail the run too.
    /// </summary>
    public static async Task<FuzzReport> RunAsync<T>(string name, Gen<T> inputs, int count, Func<T, bool> read, Func<Exception, bool> isClearError)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(isClearError);
        var watch = new Watch();
        int accepted = 0, refused = 0;
        var slowest = TimeSpan.Zero;
        string slowestInput = "";
        long mostAllocated = 0;

        void Try(T input, bool timed)
        {
            watch.Start(input, timed ? MaxTime : WarmUpTime);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            bool result;
            try
            {
                result = read(input);
            }
            catch (Exception e) when (isClearError(e))
            {
                result = false;
            }
            catch (Exception e)
            {
                watch.Stop();
                throw new FuzzFailure($"{name}: input {watch.Index} ended in {e.GetType().Name}, not a result or a clear error: {input}{Environment.NewLine}{e}");
            }
            var elapsed = clock.Elapsed;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            watch.Stop();
            if (timed && elapsed > MaxTime)
            {
                throw new FuzzFailure($"{name}: input {watch.Index} took {elapsed.TotalMilliseconds:0} ms (at most {MaxTime.TotalMilliseconds:0}): {input}");
            }
            if (allocated > MaxAllocated)
            {
                throw new FuzzFailure($"{name}: input {watch.Index} allocated {allocated / 1e6:0.0} MB (at most {MaxAllocated / 1e6:0}): {input}");
            }
            if (!timed)
            {
                return;
            }
            if (result)
            {
                accepted++;
            }
            else
            {
                refused++;
            }
            if (elapsed > slowest)
            {
                (slowest, slowestInput) = (elapsed, input?.ToString() ?? "");
            }
            mostAllocated = Math.Max(mostAllocated, allocated);
        }

        var property = Prop.ForAll(inputs.ToArbitrary(), (T input) => Try(input, timed: true));
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(count)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed), FSharpOption<int>.None)));
        var warmUp = inputs.Sample(WarmUpInputs, new Rnd(Seed + 1), 50);

        // Readers wait on the thread pool (Parquet.Net reads asynchronously from a synchronous file; the importer checksums
        // beside copying): with two cores and other tests blocking pool threads, a thread the pool must add takes up to a
        // second to come, which would count against whatever input waits for it.
        ThreadPool.GetMinThreads(out int workers, out int ports);
        ThreadPool.SetMinThreads(Math.Max(workers, MinPoolThreads), ports);
        var total = Stopwatch.StartNew();
        // The inputs run on a thread of their own so that this one can report an input that never ends.
        var run = Task.Factory.StartNew(
            () =>
            {
                foreach (var input in warmUp)
                {
                    Try(input, timed: false);
                }
                Check.One(config, property);
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(50))) != run)
        {
            if (watch.Overdue(out var input, out int index, out var runningFor))
            {
                Assert.Fail($"{name}: input {index} has run for {runningFor.TotalMilliseconds:0} ms and goes on: {input}");
            }
        }
        await run;
        Assert.True(accepted + refused == count, $"{name}: {accepted + refused} of {count} inputs ran");
        return new FuzzReport(name, count, accepted, refused, total.Elapsed, slowest, slowestInput, mostAllocated);
    }

    private const int MinPoolThreads = 16;

    /// <summary>How long a warm-up input may run before it counts as a hang.</summary>
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(20);

    /// <summary>The input the fuzzing thread is on, since when and for how long at most, for the thread that watches for hangs.</summary>
    private sealed class Watch
    {
        private readonly Lock _lock = new();
        private object? _input;
        private long _since;
        private TimeSpan _limit;

        /// <summary>The input's number, from 1, warm-up inputs included (read on the fuzzing thread only).</summary>
        public int Index { get; private set; }

        public void Start(object? input, TimeSpan limit)
        {
            lock (_lock)
            {
                Index++;
                (_input, _since, _limit) = (input, Stopwatch.GetTimestamp(), limit);
            }
        }

        public void Stop()
        {
            lock (_lock)
            {
                _input = null;
            }
        }

        /// <summary>True when an input has run for longer than its limit.</summary>
        public bool Overdue(out object? input, out int index, out TimeSpan runningFor)
        {
            lock (_lock)
            {
                (input, index, runningFor) = (_input, Index, Stopwatch.GetElapsedTime(_since));
                return _input is not null && runningFor > _limit;
            }
        }
    }

    /// <summary>An input that broke the property; FsCheck reports it with the seed.</summary>
    private sealed class FuzzFailure(string message) : Exception(message);
}
