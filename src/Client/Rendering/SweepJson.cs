using System.Text.Json.Nodes;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Core;

namespace Grid.Client.Rendering;

/// <summary>The one JSON object of <c>--json</c> output: sweep id, state, trials, elbow curves, knees, stage counts.</summary>
public static class SweepJson
{
    public static string Serialize(SweepSnapshot snapshot) => JsonOutput.Serialize(ToJson(snapshot));

    public static JsonObject ToJson(SweepSnapshot snapshot)
    {
        var trials = new JsonArray();
        foreach (var trial in snapshot.Trials)
        {
            trials.Add(Trial(trial));
        }
        var curves = new JsonArray();
        var knees = new JsonArray();
        foreach (var curve in snapshot.Curves)
        {
            var points = new JsonArray();
            foreach (var point in curve.Points)
            {
                points.Add(new JsonObject
                {
                    ["k"] = point.K,
                    ["inertia"] = point.Inertia,
                    ["train_error"] = point.TrainError,
                    ["test_error"] = point.TestError,
                    [Silhouette] = point.Silhouette,
                    [DaviesBouldin] = point.DaviesBouldin,
                    [CalinskiHarabasz] = point.CalinskiHarabasz,
                });
            }
            curves.Add(new JsonObject
            {
                ["dataset"] = curve.Dataset,
                ["representation"] = curve.Representation,
                ["scaler"] = curve.Scaler,
                ["seed"] = curve.Seed,
                ["knee_k"] = curve.KneeK,
                ["points"] = points,
            });
            knees.Add(new JsonObject
            {
                ["dataset"] = curve.Dataset,
                ["representation"] = curve.Representation,
                ["scaler"] = curve.Scaler,
                ["seed"] = curve.Seed,
                ["k"] = curve.KneeK,
            });
        }
        var autoencoders = AutoencoderTraining.Of(snapshot.Trials);
        var epochs = AutoencoderTraining.Totals(autoencoders);
        return new JsonObject
        {
            ["sweep_id"] = snapshot.SweepId,
            ["name"] = snapshot.Name,
            ["tags"] = Tags(snapshot.Tags),
            ["note"] = snapshot.Note,
            ["state"] = JsonOutput.Name(snapshot.State),
            ["submitted"] = snapshot.Submitted,
            ["finished"] = snapshot.Finished,
            ["trials_total"] = snapshot.Total,
            ["trials_succeeded"] = snapshot.Count(TrialState.Succeeded),
            ["trials_pruned"] = snapshot.Count(TrialState.Pruned),
            ["trials_failed"] = snapshot.Count(TrialState.Failed),
            ["trials_cancelled"] = snapshot.Count(TrialState.Cancelled),
            ["trials_running"] = snapshot.Count(TrialState.Running),
            ["trials_queued"] = snapshot.Count(TrialState.Queued),
            ["objective"] = new JsonObject { ["metric"] = SpecNames.Of(snapshot.RankedBy.Metric), ["goal"] = SpecNames.Of(snapshot.RankedBy.Goal) },
            ["best_trial"] = snapshot.BestTrialId,
            ["best_value"] = snapshot.Trials.FirstOrDefault(t => t.TrialId == snapshot.BestTrialId)?.Result is { } bestResult ? snapshot.RankedBy.ValueOf(bestResult) : null,
            ["stages"] = new JsonObject { ["computed"] = snapshot.Stages.Computed, ["reused"] = snapshot.Stages.Reused },
            ["epochs_trained"] = epochs.Trained,
            ["epochs_reused"] = epochs.Reused,
            ["autoencoders"] = new JsonArray(autoencoders.Select(a => (JsonNode)new JsonObject
            {
                ["hash"] = a.Hash,
                ["label"] = a.Label,
                ["epochs"] = a.Epochs,
                ["epochs_trained"] = a.EpochsTrained,
                ["epochs_reused"] = a.EpochsReused,
                ["computed"] = a.Computed,
                ["seconds"] = a.Seconds,
            }).ToArray()),
            ["elbow_curves"] = curves,
            ["knees"] = knees,
            ["trials"] = trials,
        };
    }

    // The quality measures' keys are their names (null when a measure is missing: undefined, or not recorded yet).
    private static readonly string Silhouette = SpecNames.Of(QualityMeasure.Silhouette);
    private static readonly string DaviesBouldin = SpecNames.Of(QualityMeasure.DaviesBouldin);
    private static readonly string CalinskiHarabasz = SpecNames.Of(QualityMeasure.CalinskiHarabasz);

    /// <summary>One trial: its configuration, state, result, stage counts and log.</summary>
    public static JsonObject Trial(TrialStatus trial) => new()
    {
        ["id"] = trial.TrialId,
        ["key"] = trial.Spec.Key,
        ["config"] = Config(trial.Spec),
        ["state"] = JsonOutput.Name(trial.State),
        ["train_error"] = trial.Result?.TrainError,
        ["test_error"] = trial.Result?.TestError,
        ["inertia"] = trial.Result?.Inertia,
        ["iterations"] = trial.Result?.Iterations,
        ["fit_seconds"] = trial.Result?.FitSeconds,
        [Silhouette] = trial.Result?.Silhouette,
        [DaviesBouldin] = trial.Result?.DaviesBouldin,
        [CalinskiHarabasz] = trial.Result?.CalinskiHarabasz,
        ["error"] = trial.Error,
        ["stages_computed"] = trial.StagesComputed,
        ["stages_reused"] = trial.StagesReused,
        ["retries"] = trial.Retries,
        ["events_dropped"] = trial.EventsDropped,
        ["events"] = new JsonArray((trial.Events ?? []).Select(e => (JsonNode)new JsonObject
        {
            ["time"] = e.Time,
            ["kind"] = JsonOutput.Name(e.Kind),
            ["stage"] = e.Stage is { } stage ? JsonOutput.Name(stage) : null,
            ["stage_hash"] = e.StageHash,
            ["attempt"] = e.Attempt > 0 ? e.Attempt : null,
            ["silo"] = e.Silo,
            ["detail"] = e.Detail,
        }).ToArray()),
    };

    /// <summary>A sweep's tags as a JSON array (empty when it has none).</summary>
    public static JsonArray Tags(IReadOnlyList<string>? tags) => new((tags ?? []).Select(t => (JsonNode)JsonValue.Create(t)).ToArray());

    private static JsonObject Config(TrialSpec spec)
    {
        var config = new JsonObject
        {
            ["dataset"] = spec.Dataset,
            ["train_rows"] = spec.Split.Train,
            ["test_rows"] = spec.Split.Test,
            ["representation"] = spec.Representation.Label,
            ["scaler"] = SpecNames.Of(spec.Scaler),
            ["k"] = spec.K,
            ["seed"] = spec.Seed,
            ["kmeans"] = spec.KMeans.Describe(),
        };
        if (spec.Representation.Autoencoder is { } ae)
        {
            config["z_dim"] = ae.ZDim;
            config["loss"] = SpecNames.Of(ae.Loss);
            config["epochs"] = ae.Epochs;
        }
        return config;
    }
}
