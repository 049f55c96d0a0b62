using Grid.Abstractions.Shards;

namespace Grid.Abstractions.Tests.Shards;

public class ZeroElidedFloat32Tests
{
    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(7, 0.5)]
    [InlineData(784, 0.0)]
    [InlineData(784, 0.3)]
    [InlineData(784 * 130 + 5, 0.6)]
    [InlineData(1003, 0.97)]
    [InlineData(1003, 1.0)]
    public void Values_come_back_bit_for_bit_and_the_zeros_cost_a_bit_each(int count, double zeros)
    {
        var random = new Random(count);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextDouble() < zeros ? 0f : (float)(random.NextDouble() - 0.5);
        }
        if (count > 3)
        {
            // Not zero by their bits: these must travel as they are.
            values[1] = -0f;
            values[2] = float.NaN;
            values[3] = float.Epsilon;
        }

        var (present, stored) = ZeroElidedFloat32.From(values);
        var back = ZeroElidedFloat32.To(present, stored, count);

        Assert.Equal(BitsOf(values), BitsOf(back));
        int nonZero = values.Count(v => BitConverter.SingleToInt32Bits(v) != 0);
        if (present is null)
        {
            Assert.Equal(count * sizeof(float), stored.Length);
            Assert.True((count + 7) / 8 + nonZero * sizeof(float) >= count * sizeof(float), "the bitmap would have paid");
        }
        else
        {
            Assert.Equal((count + 7) / 8, present.Length);
            Assert.Equal(nonZero * sizeof(float), stored.Length);
        }
    }

    [Fact]
    public void Mostly_zero_values_travel_in_a_fraction_of_their_bytes()
    {
        var values = new float[784];
        for (int i = 0; i < values.Length; i += 5)
        {
            values[i] = i + 1;
        }

        var (present, stored) = ZeroElidedFloat32.From(values);

        Assert.NotNull(present);
        Assert.Equal(98 + 157 * sizeof(float), present.Length + stored.Length);
    }

    [Fact]
    public void A_bitmap_that_does_not_match_its_values_is_refused()
    {
        Assert.Contains("does not match 1 stored",
            Assert.Throws<ArgumentException>(() => ZeroElidedFloat32.To([0b11], new byte[4], 8)).Message);
        Assert.Contains("does not match",
            Assert.Throws<ArgumentException>(() => ZeroElidedFloat32.To([0b1000_0000], new byte[4], 5)).Message);
        Assert.Contains("cannot hold 9",
            Assert.Throws<ArgumentException>(() => ZeroElidedFloat32.To([1], new byte[4], 9)).Message);
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
