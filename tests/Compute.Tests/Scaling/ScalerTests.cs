using Grid.Compute.Scaling;
using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Scaling;

public sealed class ScalerTests
{
    private static Tensor Rows(float[,] values) => torch.tensor(values);

    private static float[] Flat(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void None_returns_raw_values_and_a_copy()
    {
        using var x = Rows(new float[,] { { 0, 255 }, { 3, 4 } });
        using var scaler = FittedScaler.Fit(ScalerKind.None, x);
        using var y = scaler.Transform(x);
        Assert.Equal(new float[] { 0, 255, 3, 4 }, Flat(y));
        y[0, 0] = torch.tensor(9f);
        Assert.Equal(0f, x[0, 0].item<float>());
    }

    [Fact]
    public void Unit_divides_by_255()
    {
        using var x = Rows(new float[,] { { 0, 255 }, { 51, 102 } });
        using var scaler = FittedScaler.Fit(ScalerKind.Unit, x);
        using var y = scaler.Transform(x);
        Assert.Equal(new float[] { 0, 1, 0.2f, 0.4f }, Flat(y));
    }

    [Fact]
    public void L2_divides_each_row_by_its_norm_and_leaves_zero_rows_zero()
    {
        using var x = Rows(new float[,] { { 3, 4 }, { 0, 0 }, { 0, 5 } });
        using var scaler = FittedScaler.Fit(ScalerKind.L2, x);
        using var y = scaler.Transform(x);
        // Hand-computed: (3,4)/5, (0,0) unchanged, (0,5)/5.
        Assert.Equal(new float[] { 0.6f, 0.8f, 0, 0, 0, 1 }, Flat(y));
    }

    [Fact]
    public void Standard_uses_train_mean_and_population_std_and_applies_them_to_test()
    {
        // Feature 0: 1, 3 → mean 2, std 1. Feature 1: 10, 30 → mean 20, std 10. Feature 2: constant 7.
        using var train = Rows(new float[,] { { 1, 10, 7 }, { 3, 30, 7 } });
        using var test = Rows(new float[,] { { 5, 0, 8 } });
        using var scaler = FittedScaler.Fit(ScalerKind.Standard, train);

        Assert.Equal(new double[] { 2, 20, 7 }, scaler.Mean!);
        Assert.Equal(new double[] { 1, 10, 1 }, scaler.Scale!);
        using var scaledTrain = scaler.Transform(train);
        using var scaledTest = scaler.Transform(test);
        Assert.Equal(new float[] { -1, -1, 0, 1, 1, 0 }, Flat(scaledTrain));
        // Test rows use the train statistics: (5-2)/1, (0-20)/10, (8-7)/1 (zero variance → divisor 1).
        Assert.Equal(new float[] { 3, -2, 1 }, Flat(scaledTest));
    }

    [Fact]
    public void Standard_output_has_no_nan_for_constant_features()
    {
        using var train = torch.zeros(4, 3);
        using var scaler = FittedScaler.Fit(ScalerKind.Standard, train);
        using var y = scaler.Transform(train);
        Assert.False(y.isnan().any().item<bool>());
    }
}
