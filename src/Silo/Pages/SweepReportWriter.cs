using Grid.Abstractions.Runs;

namespace Grid.Silo.Pages;

/// <summary>What writing a report did.</summary>
/// <param name="IndexPath">The report's <c>index.html</c>.</param>
/// <param name="Figures">Figures written.</param>
/// <param name="Failures">Figures that could not be drawn, by file name, with the reason (also shown on the page).</param>
/// <param name="MissingArtifacts">Stage artifacts the trials name that the artifact directory lacks (their figures are left out).</param>
public sealed record SweepReport(string IndexPath, int Figures, IReadOnlyDictionary<string, string> Failures, int MissingArtifacts);

/// <summary>
/// Writes a sweep's results as a folder a browser opens without a server: <c>index.html</c> (the same page the
/// silo serves live, without the polling) and every figure under <c>figures/</c>.
/// </summary>
public static class SweepReportWriter
{
    /// <summary>The folder under the report that holds the PNGs.</summary>
    public const string FiguresFolder = "figures";

    /// <summary>Writes the report of <paramref name="snapshot"/> to <paramref name="directory"/> (created if needed).</summary>
    /// <param name="progress">Receives a line per figure drawn.</param>
    /// <exception cref="IOException">The directory cannot be created or written (the message names it).</exception>
    public static SweepReport Write(SweepSnapshot snapshot, ResultSources sources, string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(sources);
        string root = Path.GetFullPath(directory);
        string figuresDir = Path.Combine(root, FiguresFolder);
        EnsureWritable(root, figuresDir);

        var figures = ResultFigures.List(snapshot, sources);
        var (written, failures) = WriteFigures(figures, figuresDir, progress, cancellationToken);
        string index = Path.Combine(root, "index.html");
        File.WriteAllText(index, ResultsHtml.SweepPage(snapshot, figures, ReportMode(failures)));
        int missing = snapshot.Trials
            .SelectMany(t => new[] { t.AutoencoderHash, t.State.HasResult() ? t.ClusteringHash : null })
            .Where(h => h is not null)
            .Distinct(StringComparer.Ordinal)
            .Count(h => sources.Artifact(h) is null);
        return new SweepReport(index, written, failures, missing);
    }

    /// <summary>
    /// Writes a comparison of several sweeps to <paramref name="directory"/>: <c>index.html</c> (each sweep's best
    /// configurations side by side) and the curves of all of them on one chart under <c>figures/</c>.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created or written (the message names it).</exception>
    public static SweepReport WriteComparison(IReadOnlyList<SweepSnapshot> sweeps, string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        string root = Path.GetFullPath(directory);
        string figuresDir = Path.Combine(root, FiguresFolder);
        EnsureWritable(root, figuresDir);
        var figures = SweepComparison.Figures(sweeps);
        var (written, failures) = WriteFigures(figures, figuresDir, progress, cancellationToken);
        string index = Path.Combine(root, "index.html");
        File.WriteAllText(index, SweepComparison.Page(sweeps, figures, ReportMode(failures)));
        return new SweepReport(index, written, failures, 0);
    }

    private static ResultsHtml.PageMode ReportMode(IReadOnlyDictionary<string, string> failures) =>
        new(false, f => FiguresFolder + "/" + Uri.EscapeDataString(f.Name), failures);

    /// <summary>Draws each figure into <paramref name="figuresDir"/>; one that cannot be drawn is reported and left out.</summary>
    private static (int Written, Dictionary<string, string> Failures) WriteFigures(IReadOnlyList<Figure> figures, string figuresDir, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        int written = 0;
        for (int i = 0; i < figures.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var figure = figures[i];
            progress?.Report($"[{i + 1}/{figures.Count}] {figure.Name}");
            try
            {
                File.WriteAllBytes(Path.Combine(figuresDir, figure.Name), figure.Render(cancellationToken));
                written++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures[figure.Name] = ex.Message;
                progress?.Report($"    could not draw {figure.Name}: {ex.Message}");
            }
        }
        return (written, failures);
    }

    private static void EnsureWritable(string root, string figuresDir)
    {
        try
        {
            Directory.CreateDirectory(figuresDir);
            string probe = Path.Combine(root, $".grid-write-test-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write the report to {root}: {ex.Message}", ex);
        }
    }
}
