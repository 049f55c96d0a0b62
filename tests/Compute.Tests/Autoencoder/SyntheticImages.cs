using Grid.Compute.Data;

namespace Grid.Compute.Tests.Autoencoder;

/// <summary>Small, seeded 28×28 test images: bright bars and rectangles on black, like strokes.</summary>
internal static class SyntheticImages
{
    public const int Side = 28;

    public static RowSet Create(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Side * Side];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var kind = random.Next(3);
            labels[i] = (byte)kind;
            var image = pixels.AsSpan(i * Side * Side, Side * Side);
            var a = random.Next(4, 20);
            var b = random.Next(a + 3, 25);
            var c = random.Next(4, 20);
            var d = random.Next(c + 3, 25);
            for (var y = 0; y < Side; y++)
            {
                for (var x = 0; x < Side; x++)
                {
                    var on = kind switch
                    {
                        0 => x >= a && x < a + 3 && y >= c && y < d,
                        1 => y >= a && y < a + 3 && x >= c && x < d,
                        _ => x >= a && x < b && y >= c && y < d && (x == a || x == b - 1 || y == c || y == d - 1),
                    };
                    image[y * Side + x] = on ? (byte)(200 + random.Next(56)) : (byte)0;
                }
            }
        }
        return new RowSet(pixels, labels, count, Side, Side);
    }
}
