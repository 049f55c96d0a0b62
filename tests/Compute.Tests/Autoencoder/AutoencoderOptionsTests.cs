using Grid.Compute.Autoencoder;
using Grid.Core;

namespace Grid.Compute.Tests.Autoencoder;

public sealed class AutoencoderOptionsTests
{
    [Fact]
    public void Defaults_are_the_study_settings()
    {
        var options = new AutoencoderOptions();

        Assert.Equal(16, options.ZDim);
        Assert.Equal(ReconstructionLoss.Bce, options.Loss);
        Assert.Equal(5e-4, options.LearningRate);
        Assert.Equal(128, options.BatchSize);
        Assert.Equal(40, options.Epochs);
        Assert.Equal(0, options.Seed);
        options.Validate();
    }

    public static TheoryData<AutoencoderOptions, string> InvalidOptions => new()
    {
        { new AutoencoderOptions { ZDim = 0 }, nameof(AutoencoderOptions.ZDim) },
        { new AutoencoderOptions { ZDim = 257 }, nameof(AutoencoderOptions.ZDim) },
        { new AutoencoderOptions { Epochs = 0 }, nameof(AutoencoderOptions.Epochs) },
        { new AutoencoderOptions { Epochs = 1001 }, nameof(AutoencoderOptions.Epochs) },
        { new AutoencoderOptions { BatchSize = 0 }, nameof(AutoencoderOptions.BatchSize) },
        { new AutoencoderOptions { LearningRate = 0 }, nameof(AutoencoderOptions.LearningRate) },
        { new AutoencoderOptions { LearningRate = double.NaN }, nameof(AutoencoderOptions.LearningRate) },
        { new AutoencoderOptions { Loss = (ReconstructionLoss)7 }, nameof(AutoencoderOptions.Loss) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_names_the_bad_setting(AutoencoderOptions options, string setting)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(setting, error.ParamName);
        Assert.StartsWith(setting, error.Message);
    }

    [Fact]
    public void Accepts_the_edges_of_each_range()
    {
        new AutoencoderOptions { ZDim = 1, Epochs = 1, BatchSize = 1, LearningRate = 1e-9 }.Validate();
        new AutoencoderOptions { ZDim = 256, Epochs = 1000, Loss = ReconstructionLoss.Mse }.Validate();
    }
}
