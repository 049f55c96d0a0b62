using Grid.Compute.Autoencoder;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Compute.Tests.Autoencoder;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Compute.Tests.Pipeline;

/// <summary>
/// The stage pipeline on datasets that are not 28×28 grey images: a float table and small colour images, stored in
/// the .npy form imported datasets have, trained with the network the data calls for and clustered.
/// </summary>
[Collection(AutoencoderCollection.Name)]
public sealed class UserDataPipelineTests
{
    [Fact]
    public void A_float_table_trains_an_mlp_and_its_codes_and_raw_features_are_clustered_with_its_classes()
    {
        using var dir = new TempDirectory();
        var random = new Random(5);
        // Three classes of 5-feature rows around different centres, on very different feature scales.
        float[] Rows(int count, byte[] labels)
        {
            var values = new float[count * 5];
            for (int i = 0; i < count; i++)
            {
                labels[i] = (byte)(i % 3);
                for (int f = 0; f < 5; f++)
                {
                    values[i * 5 + f] = (float)((labels[i] * 3 + random.NextDouble()) * Math.Pow(10, f - 2));
                }
            }
            return values;
        }
        var trainLabels = new byte[300];
        var testLabels = new byte[90];
        var dataset = StoredDatasets.Write(dir.Path, "table", ElementType.Float32, [5], StoredDatasets.Bytes(Rows(300, trainLabels)), trainLabels, StoredDatasets.Bytes(Rows(90, testLabels)), testLabels, classes: 3);
        var pipeline = StoredDatasets.Pipeline(dir.Path, dataset);
        var selection = new DataSelection("table", 300, 90);

        var ae = new AutoencoderStageInput(selection, 2, ReconstructionLoss.Mse, 3, 32, 1e-2, 0, NetworkArchitecture.Mlp, [5], [16], InputScaling.Standard);
        var trained = pipeline.TrainAutoencoder("ae", ae, null, CancellationToken.None);
        var onCodes = pipeline.Cluster("codes", Clustering(selection, "ae"), null, CancellationToken.None);
        var onRaw = pipeline.Cluster("raw", Clustering(selection, null), null, CancellationToken.None);

        Assert.Equal(3, trained.Epochs);
        Assert.True(double.IsFinite(trained.TestLoss));
        Assert.Equal(3, onRaw.Classes);
        Assert.Equal(9, onRaw.TestConfusion.Length);
        // The classes are well apart once standardised: k = 6 clusters labelled by majority classify nearly all rows.
        Assert.True(onRaw.TestError < 0.1, $"raw test error {onRaw.TestError}");
        Assert.InRange(onCodes.TestError!.Value, 0, 1);
        Assert.Equal(90, onCodes.TestConfusion.Sum());
    }

    [Fact]
    public void Unlabeled_rows_are_clustered_with_inertia_and_quality_measures_and_no_classifier_errors()
    {
        using var dir = new TempDirectory();
        var random = new Random(7);
        float[] Rows(int count) => Enumerable.Range(0, count * 4).Select(i => (float)((i / 4 % 4) * 5 + random.NextDouble())).ToArray();
        var dataset = StoredDatasets.Write(dir.Path, "blobs", ElementType.Float32, [4], StoredDatasets.Bytes(Rows(200)), null, StoredDatasets.Bytes(Rows(80)), null, classes: 0);
        var pipeline = StoredDatasets.Pipeline(dir.Path, dataset);

        var output = pipeline.Cluster("raw", Clustering(new DataSelection("blobs", 200, 80), null) with { K = 4 }, null, CancellationToken.None);

        Assert.Null(output.TrainError);
        Assert.Null(output.TestError);
        Assert.Equal(0, output.Classes);
        Assert.Empty(output.TestConfusion);
        // Four well separated blobs at k = 4: a high silhouette.
        Assert.True(output.Silhouette > 0.7, $"silhouette {output.Silhouette}");
        Assert.True(output.Inertia > 0);
    }

    [Fact]
    public void Colour_images_of_a_size_not_divisible_by_four_train_a_conv_autoencoder()
    {
        using var dir = new TempDirectory();
        var random = new Random(6);
        byte[] Images(int count, byte[] labels)
        {
            var pixels = new byte[count * 3 * 10 * 10];
            for (int i = 0; i < count; i++)
            {
                labels[i] = (byte)(i % 2);
                // Class 0 is red, class 1 blue, with noise.
                for (int p = 0; p < 100; p++)
                {
                    pixels[i * 300 + (labels[i] == 0 ? 0 : 200) + p] = (byte)(150 + random.Next(100));
                }
            }
            return pixels;
        }
        var trainLabels = new byte[64];
        var testLabels = new byte[32];
        var dataset = StoredDatasets.Write(dir.Path, "swatches", ElementType.UInt8, [3, 10, 10], Images(64, trainLabels), trainLabels, Images(32, testLabels), testLabels, classes: 2);
        var pipeline = StoredDatasets.Pipeline(dir.Path, dataset);
        var selection = new DataSelection("swatches", 64, 32);

        var ae = new AutoencoderStageInput(selection, 3, ReconstructionLoss.Bce, 2, 16, 1e-3, 0, NetworkArchitecture.Conv, [3, 10, 10]);
        var trained = pipeline.TrainAutoencoder("ae", ae, null, CancellationToken.None);
        var onCodes = pipeline.Cluster("codes", Clustering(selection, "ae") with { K = 2 }, null, CancellationToken.None);

        Assert.True(double.IsFinite(trained.TestLoss));
        Assert.Equal(2, onCodes.Classes);
        Assert.Equal(32, onCodes.TestConfusion.Sum());
    }

    private static ClusteringStageInput Clustering(DataSelection selection, string? codes) =>
        new(selection, codes, ScalerKind.Standard, 6, 0, KMeansAlgorithm.MiniBatch, 50, 3, 100, 1e-4, 10);
}
