using System.Diagnostics;
using Grid.Compute.Data;
using Grid.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// Trains an <see cref="AutoencoderNetwork"/> (the options say which) with Adam on a <see cref="RowSet"/>,
/// checkpointing after every epoch, and uses it to encode, reconstruct and evaluate rows.
/// </summary>
/// <remarks>
/// Not thread-safe: one thread owns a trainer and every tensor it hands out (dispose scopes are
/// per thread). Training is deterministic on the CPU: the weights come from a generator seeded with
/// <see cref="AutoencoderOptions.Seed"/>, epoch e shuffles with a generator seeded with Seed + e,
/// and nothing reads torch's global generator. So a run stopped after any epoch and resumed from its
/// checkpoint ends with the weights of a run that never stopped.
/// </remarks>
public sealed class AutoencoderTrainer : IDisposable
{
    /// <summary>Training reports progress (and reads the running loss off the device) this often.</summary>
    private const int ProgressEveryBatches = 20;

    /// <summary>
    /// Images per forward pass when evaluating or encoding: memory, not results, depends on it.
    /// 256 keeps the largest activation (256×32×28×28 floats, 25.7 MB) under glibc's 32 MiB mmap
    /// threshold (see <see cref="NativeAllocatorTuning"/>), so its buffers are reused, not faulted in.
    /// </summary>
    private const int InferenceBatchSize = 256;

    private readonly AutoencoderNetwork _model;
    private readonly Adam _optimizer;
    private readonly List<AutoencoderEpoch> _history = [];
    private bool _midEpoch;
    private bool _disposed;

    // Per-feature input scaling fitted on the training rows (null: rows are used as ToInputTensor gives them).
    private Tensor? _inputShift;
    private Tensor? _inputScale;
    private bool _inputScalingFitted;

    /// <summary>A fresh model with initial weights from <see cref="AutoencoderOptions.Seed"/>.</summary>
    /// <param name="options">The run's settings; validated here.</param>
    /// <param name="device">Where to train; <see cref="AutoencoderDevice.Default"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting in <paramref name="options"/> is out of range.</exception>
    public AutoencoderTrainer(AutoencoderOptions options, Device? device = null)
        : this(options, device, saved: null, savedPath: null, withOptimizerState: false)
    {
    }

    /// <param name="options">The run's settings.</param>
    /// <param name="device">Where to train.</param>
    /// <param name="saved">A reader positioned at saved weights (and then, with <paramref name="withOptimizerState"/>, Adam's state), or null.</param>
    /// <param name="savedPath">The file <paramref name="saved"/> reads, for messages.</param>
    /// <param name="withOptimizerState">Whether Adam's state follows the weights.</param>
    private AutoencoderTrainer(AutoencoderOptions options, Device? device, BinaryReader? saved, string? savedPath, bool withOptimizerState)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Device = device ?? AutoencoderDevice.Default;
        if (Device.type == DeviceType.CPU)
        {
            NativeAllocatorTuning.EnsureApplied();
        }

        _model = options.CreateNetwork();
        try
        {
            // Weights are loaded on the CPU before the move: Module.load moves a CUDA module to the
            // CPU and back, which would replace the parameters an optimizer already holds.
            if (saved is not null)
            {
                LoadWeights(_model, saved, savedPath!);
            }
            _model.to(Device);
            _optimizer = optim.Adam(_model.parameters(), options.LearningRate);
            if (saved is not null && withOptimizerState)
            {
                _optimizer.load_state_dict(saved);
            }
        }
        catch
        {
            _optimizer?.Dispose();
            _model.Dispose();
            throw;
        }
    }

    /// <summary>The run's settings.</summary>
    public AutoencoderOptions Options { get; }

    /// <summary>The device the model lives on.</summary>
    public Device Device { get; }

    /// <summary>The model; owned by the trainer.</summary>
    public AutoencoderNetwork Model => _model;

    /// <summary>One entry per completed epoch, restored ones included.</summary>
    public IReadOnlyList<AutoencoderEpoch> History => _history;

    /// <summary>Epochs completed so far.</summary>
    public int CompletedEpochs => _history.Count;

    /// <summary>The checkpoint file <see cref="Train"/> keeps in <paramref name="checkpointDirectory"/> and <see cref="Resume"/> reads.</summary>
    public static string CheckpointPath(string checkpointDirectory) => AutoencoderCheckpoint.PathIn(checkpointDirectory);

    /// <summary>
    /// Continues from the checkpoint in <paramref name="checkpointDirectory"/> when there is one,
    /// else starts fresh. The checkpoint's settings must equal <paramref name="options"/> except for
    /// <see cref="AutoencoderOptions.Epochs"/>, which may grow to train further.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint was made with other settings.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint this build can read.</exception>
    public static AutoencoderTrainer Resume(AutoencoderOptions options, string checkpointDirectory, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(checkpointDirectory);
        var path = AutoencoderCheckpoint.PathIn(checkpointDirectory);
        if (!File.Exists(path))
        {
            return new AutoencoderTrainer(options, device);
        }

        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        try
        {
            var (saved, history) = AutoencoderCheckpoint.ReadHeader(reader, path);
            if (saved with { Epochs = options.Epochs } != options)
            {
                throw new InvalidOperationException(
                    $"The checkpoint {path} was made with {saved}, which differs from {options} in more than Epochs; use another checkpoint directory.");
            }
            var trainer = new AutoencoderTrainer(options, device, reader, path, withOptimizerState: true);
            trainer._history.AddRange(history);
            return trainer;
        }
        catch (Exception e) when (e is EndOfStreamException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"{path} is not a whole autoencoder checkpoint: {e.Message}", e);
        }
    }

    /// <summary>A model with weights saved by <see cref="SaveWeights"/>, for encoding and evaluation (or further training).</summary>
    /// <param name="path">The weights file.</param>
    /// <param name="options">The settings the weights were trained with (at least the same <see cref="AutoencoderOptions.ZDim"/>).</param>
    /// <param name="device">Where to run; <see cref="AutoencoderDevice.Default"/> when null.</param>
    public static AutoencoderTrainer FromWeights(string path, AutoencoderOptions options, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        try
        {
            return new AutoencoderTrainer(options, device, reader, path, withOptimizerState: false);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path} holds no whole set of weights: {e.Message}", e);
        }
    }

    /// <summary>Raised on the training thread after each epoch trained here has been evaluated (and checkpointed).</summary>
    public event Action<AutoencoderEpoch>? EpochCompleted;

    /// <summary>
    /// Trains until <see cref="AutoencoderOptions.Epochs"/> epochs are complete, evaluating on
    /// <paramref name="test"/> and writing a checkpoint to <paramref name="checkpointDirectory"/>
    /// after every epoch. Returns at once when they already are.
    /// </summary>
    /// <param name="train">Training images, 28×28.</param>
    /// <param name="test">Images to evaluate after each epoch, or null.</param>
    /// <param name="checkpointDirectory">Where to keep the checkpoint, or null for none; see <see cref="Resume"/>.</param>
    /// <param name="progress">Receives a report every few batches and at each epoch's end (on this thread).</param>
    /// <param name="cancellationToken">Checked between batches; on cancellation the last checkpoint is that of the last whole epoch.</param>
    /// <exception cref="OperationCanceledException">
    /// Cancelled. The weights are now mid-epoch, so this trainer trains no further: dispose it and
    /// <see cref="Resume"/> from the checkpoint.
    /// </exception>
    /// <exception cref="InvalidOperationException">An earlier call stopped mid-epoch.</exception>
    public AutoencoderTrainingResult Train(
        RowSet train,
        RowSet? test = null,
        string? checkpointDirectory = null,
        IProgress<AutoencoderProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_midEpoch)
        {
            throw new InvalidOperationException(
                $"Training stopped during epoch {CompletedEpochs + 1}; continuing would not match an uninterrupted run. Resume from the checkpoint instead.");
        }
        CheckRows(train, nameof(train));
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty.", nameof(train));
        }
        if (test is not null)
        {
            CheckRows(test, nameof(test));
        }
        FitInputScaling(train);

        var resumedFrom = CompletedEpochs;
        if (CompletedEpochs >= Options.Epochs)
        {
            return new AutoencoderTrainingResult(_history.ToList(), resumedFrom);
        }
        using var data = Prepared(train);
        while (CompletedEpochs < Options.Epochs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epoch = CompletedEpochs + 1;
            _midEpoch = true;
            var (trainLoss, seconds) = TrainEpoch(data, epoch, progress, cancellationToken);
            _midEpoch = false;
            double? testLoss = test is null ? null : Evaluate(test);
            var record = new AutoencoderEpoch(epoch, trainLoss, testLoss, seconds, seconds > 0 ? train.Count / seconds : double.NaN);
            _history.Add(record);
            if (checkpointDirectory is not null)
            {
                AutoencoderCheckpoint.Write(checkpointDirectory, Options, _history, _model, _optimizer);
            }
            EpochCompleted?.Invoke(record);
        }
        return new AutoencoderTrainingResult(_history.ToList(), resumedFrom);
    }

    /// <summary>Mean per-pixel loss (<see cref="AutoencoderOptions.Loss"/>) of the reconstructions of <paramref name="images"/>.</summary>
    public double Evaluate(RowSet images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRows(images, nameof(images));
        if (images.Count == 0)
        {
            return double.NaN;
        }
        using var data = Prepared(images);
        using var total = zeros(1, dtype: ScalarType.Float64, device: Device);
        RunInference(data, batch =>
        {
            var loss = Loss(_model.ReconstructLogits(batch), batch);
            total.add_(loss.to(ScalarType.Float64), alpha: batch.shape[0]);
        });
        return total.item<double>() / images.Count;
    }

    /// <summary>Latent codes of <paramref name="rows"/>: a float32 [n, z] tensor on the CPU, owned by the caller.</summary>
    public Tensor Encode(RowSet rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRows(rows, nameof(rows));
        using var data = Prepared(rows);
        return MapBatches(data, _model.Encode, [Options.ZDim]);
    }

    /// <summary>Reconstructions of <paramref name="rows"/>, scaled as the network's input is: a float32 [n, ..shape] tensor on the CPU, owned by the caller.</summary>
    public Tensor Reconstruct(RowSet rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRows(rows, nameof(rows));
        using var data = Prepared(rows);
        return Reconstruct(data);
    }

    /// <summary>Reconstructions of float32 rows [n, ..shape] already scaled as the network's input (on any device): a tensor of that shape on the CPU, owned by the caller.</summary>
    public Tensor Reconstruct(Tensor rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(rows);
        if (!rows.shape.Skip(1).SequenceEqual(Options.InputShape.Select(size => (long)size)))
        {
            throw new ArgumentException($"expected rows of shape [n, {string.Join(", ", Options.InputShape)}], got [{string.Join(", ", rows.shape)}]", nameof(rows));
        }
        using var data = rows.to(ScalarType.Float32, Device);
        return MapBatches(data, batch => Output(_model.ReconstructLogits(batch)), [.. Options.InputShape]);
    }

    /// <summary>
    /// Fits the input scaling (<see cref="AutoencoderOptions.InputScaling"/>) on <paramref name="train"/>'s rows, once:
    /// training does it; a model loaded from saved weights needs it before it encodes data that is not 8-bit images.
    /// </summary>
    public void FitInputScaling(RowSet train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (_inputScalingFitted)
        {
            return;
        }
        _inputScalingFitted = true;
        if (!NeedsFittedScaling(train))
        {
            return;
        }
        using var scope = NewDisposeScope();
        var rows = train.ToInputTensor(Device);
        Tensor shift, scale;
        if (Options.InputScaling == InputScaling.Standard)
        {
            shift = rows.mean([0], keepdim: true);
            scale = rows.std(0, unbiased: false, keepdim: true);
        }
        else
        {
            shift = rows.amin([0], keepdim: true);
            scale = rows.amax([0], keepdim: true) - shift;
        }
        // A constant feature is left where it is rather than divided by zero.
        scale = scale.where(scale > 0, ones_like(scale));
        _inputShift = shift.MoveToOuterDisposeScope();
        _inputScale = scale.MoveToOuterDisposeScope();
    }

    /// <summary>Saves the model's weights alone (a trained-model artifact), atomically.</summary>
    public void SaveWeights(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $"{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    _model.save(writer);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Disposes the model and the optimizer.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _optimizer.Dispose();
        _model.Dispose();
        _inputShift?.Dispose();
        _inputScale?.Dispose();
    }

    private (double MeanLoss, double Seconds) TrainEpoch(Tensor data, int epoch, IProgress<AutoencoderProgress>? progress, CancellationToken cancellationToken)
    {
        var count = data.shape[0];
        var batchSize = Options.BatchSize;
        var batches = (int)((count + batchSize - 1) / batchSize);
        _model.train();

        using var generator = new Generator(unchecked((ulong)(Options.Seed + epoch)));
        using var permutationCpu = randperm(count, generator: generator);
        using var permutation = permutationCpu.to(Device);
        // Summed on the device and read every few batches: reading it each batch would stall a GPU.
        using var lossSum = zeros(1, dtype: ScalarType.Float64, device: Device);

        var clock = Stopwatch.StartNew();
        long done = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var size = Math.Min(batchSize, count - done);
            using (NewDisposeScope())
            {
                var x = data.index_select(0, permutation.narrow(0, done, size));
                _optimizer.zero_grad();
                var loss = Loss(_model.ReconstructLogits(x), x);
                loss.backward();
                _optimizer.step();
                lossSum.add_(loss.detach().to(ScalarType.Float64), alpha: size);
            }
            done += size;
            if (progress is not null && ((batch + 1) % ProgressEveryBatches == 0 || batch + 1 == batches))
            {
                var seconds = clock.Elapsed.TotalSeconds;
                progress.Report(new AutoencoderProgress(epoch, Options.Epochs, batch + 1, batches, done,
                    lossSum.item<double>() / done, seconds > 0 ? done / seconds : double.NaN));
            }
        }
        var mean = lossSum.item<double>() / count;
        return (mean, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Runs <paramref name="map"/> over batches in eval mode without gradients, into a CPU tensor [n, ..shape].</summary>
    private Tensor MapBatches(Tensor data, Func<Tensor, Tensor> map, long[] shape)
    {
        var output = empty([data.shape[0], .. shape], ScalarType.Float32);
        try
        {
            long start = 0;
            RunInference(data, batch =>
            {
                output.narrow(0, start, batch.shape[0]).copy_(map(batch));
                start += batch.shape[0];
            });
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Calls <paramref name="onBatch"/> on successive slices of <paramref name="data"/>, each in its own dispose scope.</summary>
    private void RunInference(Tensor data, Action<Tensor> onBatch)
    {
        var wasTraining = _model.training;
        _model.eval();
        try
        {
            using var noGrad = no_grad();
            for (long start = 0; start < data.shape[0]; start += InferenceBatchSize)
            {
                using var scope = NewDisposeScope();
                onBatch(data.narrow(0, start, Math.Min(InferenceBatchSize, data.shape[0] - start)));
            }
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    private Tensor Loss(Tensor logits, Tensor target) => Options.Loss switch
    {
        ReconstructionLoss.Bce => nn.functional.binary_cross_entropy_with_logits(logits, target),
        ReconstructionLoss.Mse => nn.functional.mse_loss(Output(logits), target),
        _ => throw new InvalidOperationException($"Unknown loss {Options.Loss}."),
    };

    // Inputs in 0..1 are reconstructed through a sigmoid, as in the study; scaled or raw inputs linearly.
    private Tensor Output(Tensor logits) => Options.InputScaling == InputScaling.Unit ? logits.sigmoid() : logits;

    /// <summary>The rows as the network takes them: in their shape, on the device, with the fitted input scaling applied.</summary>
    private Tensor Prepared(RowSet rows)
    {
        if (!_inputScalingFitted && NeedsFittedScaling(rows))
        {
            throw new InvalidOperationException($"the {SpecNames.Of(Options.InputScaling)} input scaling is fitted on the training rows: call FitInputScaling first");
        }
        var data = rows.ToInputTensor(Device);
        if (_inputShift is null || _inputScale is null)
        {
            return data;
        }
        using (data)
        {
            return (data - _inputShift) / _inputScale;
        }
    }

    // 8-bit images are already in 0..1 for unit scaling, and none means as ToInputTensor gives: nothing to fit.
    private bool NeedsFittedScaling(RowSet rows) =>
        !(Options.InputScaling == InputScaling.None || (Options.InputScaling == InputScaling.Unit && rows.Element == Grid.Core.Datasets.ElementType.UInt8));

    private static void LoadWeights(AutoencoderNetwork model, BinaryReader reader, string path)
    {
        try
        {
            model.load(reader);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path} does not hold weights for a z_dim {model.ZDim} autoencoder: {e.Message}", e);
        }
    }

    private void CheckRows(RowSet rows, string paramName)
    {
        ArgumentNullException.ThrowIfNull(rows, paramName);
        if (!rows.Shape.SequenceEqual(Options.InputShape))
        {
            throw new ArgumentException($"the autoencoder was built for rows of shape [{string.Join(", ", Options.InputShape)}], got [{string.Join(", ", rows.Shape)}]", paramName);
        }
    }
}
