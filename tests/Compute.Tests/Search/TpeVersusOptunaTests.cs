using System.Globalization;
using System.Text.Json;
using Grid.Core.Search;
using Xunit.Abstractions;

namespace Grid.Compute.Tests.Search;

/// <summary>
/// Grid's TPE against Optuna 3.1's (<c>bench/optuna_tpe_reference.py</c>, run with Debian's python3-optuna) on the
/// same fixed functions, trials and seeds. The samplers draw different random numbers, so the comparison is of
/// search quality, not of proposals: the mean over seeds of the best value after all trials.
/// </summary>
public sealed class TpeVersusOptunaTests(ITestOutputHelper output)
{
    private const int Trials = 30;
    private const int Seeds = 10;

    /// <summary>The script's functions (same names, spaces and formulas).</summary>
    private static readonly (string Name, SearchSpace Space, Func<Assignment, double> Objective)[] Functions =
    [
        ("quadratic_1d", new SearchSpace(("x", new Uniform(-10, 10))), a => Math.Pow(a["x"] - 2, 2)),
        ("bowl_2d",
            new SearchSpace(("x", new Uniform(-5, 5)), ("y", new LogUniform(1e-5, 1e-1))),
            a => Math.Pow(a["x"] - 1, 2) + 10 * Math.Pow(Math.Log10(a["y"]) + 2.5, 2)),
        ("mixed_3d",
            new SearchSpace(("n", new IntUniform(2, 64)), ("y", new LogUniform(1e-4, 1e-2)), ("b", new Choice([64, 128, 256]))),
            a => Math.Pow((a["n"] - 37) / 10, 2) + Math.Pow(Math.Log10(a["y"]) + 3, 2) + a["b"] switch { 64 => 0.5, 128 => 0.0, _ => 1.0 }),
    ];

    [Fact]
    public async Task Tpe_finds_minima_about_as_well_as_Optuna_and_better_than_random()
    {
        var optuna = await RunOptunaAsync();
        var failures = new List<string>();
        foreach (var (name, space, objective) in Functions)
        {
            var optunaMean = optuna[name].Values.Average(best => best[Trials - 1]);
            var tpeMean = Enumerable.Range(0, Seeds).Average(seed => BestAfter(new TpeSampler(space, seed), objective));
            var randomMean = Enumerable.Range(0, Seeds).Average(seed => BestAfter(new RandomSampler(space, seed), objective));
            output.WriteLine(FormattableString.Invariant(
                $"{name}: mean best after {Trials} trials over seeds 0-{Seeds - 1}: Optuna TPE {optunaMean:G4}, Grid TPE {tpeMean:G4}, Grid random {randomMean:G4}"));

            // Both sides are seeded, so this cannot flake, but ten seeds leave the mean best noisy: single seeds' bests
            // spread over a factor of 10 or more, and over 50 seeds the two TPEs' means were 0.0136 (Grid) vs 0.0072
            // (Optuna) on quadratic_1d, 0.254 vs 0.292 on bowl_2d, 0.189 vs 0.224 on mixed_3d, with medians within 20 %.
            // The absolute allowance matters where Optuna's mean is near 0 (quadratic_1d: 30 trials cannot resolve
            // 0.004 from 0.03, so 1.5 × it alone would judge noise); it stays far below what random search reaches
            // (0.19, 1.1, 0.48 here). A change to Grid's random streams re-draws Grid's side: if this then fails, compare
            // over 50 seeds (`bench/optuna_tpe_reference.py 30 50`) before concluding the sampler got worse.
            const double factor = 1.5, allowance = 0.05;
            if (tpeMean > optunaMean * factor + allowance)
            {
                failures.Add($"{name}: Grid's TPE mean best {tpeMean:G4} is worse than Optuna's {optunaMean:G4} × {factor} + {allowance}");
            }
            if (!(tpeMean < randomMean))
            {
                failures.Add($"{name}: Grid's TPE mean best {tpeMean:G4} is not better than random search's {randomMean:G4}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    /// <summary>The best value after <see cref="Trials"/> proposals, each observed before the next.</summary>
    private static double BestAfter(ISearchSampler sampler, Func<Assignment, double> objective)
    {
        var observations = new List<(Assignment Point, double Value)>();
        for (var i = 0; i < Trials; i++)
        {
            var point = sampler.Propose(observations, i);
            observations.Add((point, objective(point)));
        }
        return observations.Min(o => o.Value);
    }

    /// <summary>Per function, per seed: Optuna's best value after each trial.</summary>
    private static async Task<Dictionary<string, Dictionary<string, double[]>>> RunOptunaAsync()
    {
        const string python = "/usr/bin/python3";
        const string hint = "scripts/setup.sh test installs Debian's python3-optuna";
        Assert.True(File.Exists(python), $"{python} is missing: {hint}");
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(2), python,
            Repository.PathOf("bench", "optuna_tpe_reference.py"), Trials.ToString(CultureInfo.InvariantCulture), Seeds.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, stderr.Contains("No module named 'optuna'", StringComparison.Ordinal)
            ? $"Optuna is not installed for {python}: run `scripts/setup.sh test` (it installs python3-optuna)"
            : $"bench/optuna_tpe_reference.py exited {code}: {stderr} ({hint})");
        var reference = JsonSerializer.Deserialize<OptunaReference>(stdout, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidDataException("bench/optuna_tpe_reference.py printed no JSON");
        Assert.Equal(Trials, reference.Trials);
        return reference.Functions;
    }

    private sealed record OptunaReference(string Optuna, int Trials, Dictionary<string, Dictionary<string, double[]>> Functions);
}
