using SkiaSharp;

namespace Grid.Compute.Plots;

/// <summary>
/// Rows of small grayscale images (e.g. test digits above their reconstructions), each row labelled, each
/// column captioned. Drawn with SkiaSharp: white on black, as the digits are stored.
/// </summary>
/// <param name="ImageWidth">Width of every image in pixels of the source.</param>
/// <param name="ImageHeight">Height of every image.</param>
/// <param name="RowLabels">A label per row, drawn on its left.</param>
/// <param name="ColumnLabels">A caption per column (e.g. the digit's class), drawn above the first row.</param>
/// <param name="Rows">Per row, per column, the image's ImageWidth × ImageHeight intensities in 0..1, row-major.</param>
public sealed record ImageGridChart(
    string Title,
    int ImageWidth,
    int ImageHeight,
    IReadOnlyList<string> RowLabels,
    IReadOnlyList<string> ColumnLabels,
    IReadOnlyList<IReadOnlyList<float[]>> Rows) : Chart(Title)
{
    private const float Margin = 12;
    private const float Gap = 4;

    /// <inheritdoc />
    public override byte[] ToPng(int width, int height)
    {
        CheckSize(width, height);
        int columns = Rows.Count == 0 ? 0 : Rows.Max(r => r.Count);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName(PlotFonts.Family) ?? SKTypeface.Default;
        using var titleFont = new SKFont(typeface, PlotDefaults.TitleSize);
        using var labelFont = new SKFont(typeface, PlotDefaults.LabelSize);
        using var captionFont = new SKFont(typeface, PlotDefaults.CellTextSize);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(Title, width / 2f, Margin + PlotDefaults.TitleSize, SKTextAlign.Center, titleFont, ink);

        float labelWidth = RowLabels.Count == 0 ? 0 : RowLabels.Max(l => labelFont.MeasureText(l)) + Margin;
        float top = Margin * 2 + PlotDefaults.TitleSize + PlotDefaults.CellTextSize + Gap;
        float availableWidth = width - labelWidth - 2 * Margin;
        float availableHeight = height - top - Margin;
        if (columns == 0 || Rows.Count == 0 || availableWidth <= 0 || availableHeight <= 0)
        {
            return Encode(surface);
        }
        // Square cells as large as both directions allow.
        float cell = Math.Min((availableWidth - Gap * (columns - 1)) / columns, (availableHeight - Gap * (Rows.Count - 1)) / Rows.Count);
        cell = Math.Max(1, cell);
        float left = Margin + labelWidth;
        for (int c = 0; c < columns && c < ColumnLabels.Count; c++)
        {
            canvas.DrawText(ColumnLabels[c], left + c * (cell + Gap) + cell / 2, top - Gap, SKTextAlign.Center, captionFont, ink);
        }
        using var sampling = new SKPaint { IsAntialias = false };
        for (int r = 0; r < Rows.Count; r++)
        {
            float y = top + r * (cell + Gap);
            if (r < RowLabels.Count)
            {
                canvas.DrawText(RowLabels[r], Margin + labelWidth - Margin, y + cell / 2 + PlotDefaults.LabelSize / 3, SKTextAlign.Right, labelFont, ink);
            }
            for (int c = 0; c < Rows[r].Count; c++)
            {
                using var image = ToImage(Rows[r][c]);
                canvas.DrawImage(image, SKRect.Create(left + c * (cell + Gap), y, cell, cell), new SKSamplingOptions(SKFilterMode.Nearest), sampling);
            }
        }
        return Encode(surface);
    }

    private SKImage ToImage(float[] pixels)
    {
        if (pixels.Length != ImageWidth * ImageHeight)
        {
            throw new ArgumentException($"an image of {pixels.Length} values is not {ImageWidth}×{ImageHeight}");
        }
        var bytes = new byte[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            bytes[i] = (byte)Math.Round(Math.Clamp(pixels[i], 0f, 1f) * 255);
        }
        var info = new SKImageInfo(ImageWidth, ImageHeight, SKColorType.Gray8, SKAlphaType.Opaque);
        return SKImage.FromPixelCopy(info, bytes, ImageWidth);
    }

    private static byte[] Encode(SKSurface surface)
    {
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
