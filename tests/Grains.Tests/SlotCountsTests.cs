using Grid.Grains.Stages;

namespace Grid.Grains.Tests;

public sealed class SlotCountsTests
{
    [Theory]
    [InlineData("cpu=2,gpu=1", 2, 1)]
    [InlineData("cpu=1", 1, 0)]
    [InlineData(" gpu = 4 ", 0, 4)]
    [InlineData("CPU=3,GPU=0", 3, 0)]
    public void Parses_kind_equals_count(string text, int cpu, int gpu)
    {
        Assert.Equal(new SlotCounts(cpu, gpu), SlotCounts.Parse(text));
    }

    [Theory]
    [InlineData("cpu", "not KIND=COUNT")]
    [InlineData("cpu=-1", "not KIND=COUNT")]
    [InlineData("tpu=1", "unknown slot kind 'tpu'")]
    [InlineData("cpu=0,gpu=0", "declares no slots")]
    public void Rejects_bad_declarations_with_a_reason(string text, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => SlotCounts.Parse(text));
        Assert.Contains(reason, ex.Message);
    }
}
