using System.Runtime.CompilerServices;
using Grid.Core.Datasets;
using SkiaSharp;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Rows from a folder of PNG and JPEG images, decoded with SkiaSharp (the library the figures are drawn with). A folder
/// of class folders is labelled (class = folder name); a flat folder of images is unlabeled. Images are taken in the
/// ordinal order of their paths below the folder. When every image is grey the rows are [1, h, w], otherwise RGB
/// [3, h, w] (grey images repeated on three channels, alpha dropped), stored as bytes. With a size every image is resized
/// to it; without one, every image must have the first image's size.
/// </summary>
public sealed class ImageFolderReader : RowReader
{
    /// <summary>The most pixels an image may have (8192×8192, more than a camera's photo): a larger one is refused from its header, before it is decoded.</summary>
    public const long MaxImagePixels = 1L << 26;

    /// <summary>The most bytes one stored row may take (16 MiB: 4096×4096 grey, or about 2364×2364 in colour); larger images need a size to resize them to.</summary>
    public const int MaxRowBytes = 1 << 24;

    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    private readonly string[] _files;
    private readonly SKColorType _decodeAs;

    /// <param name="size">[height, width] to resize to; null to keep the images' common size.</param>
    public ImageFolderReader(string path, IReadOnlyList<int>? size)
        : base(path)
    {
        if (!Directory.Exists(path))
        {
            throw new DatasetException(File.Exists(path)
                ? $"{path}: the images format reads a folder (one subfolder per class, or a flat folder of images), not a file"
                : $"{path}: folder is missing");
        }
        var (files, labels) = List(path);
        _files = files;
        LabelsAhead = labels;
        Count = files.Length;

        int height = 0, width = 0;
        string? first = null;
        bool grey = true;
        foreach (string file in files)
        {
            using var codec = OpenCodec(file);
            if ((long)codec.Info.Width * codec.Info.Height > MaxImagePixels)
            {
                throw new DatasetException($"{file}: {codec.Info.Height}×{codec.Info.Width} (height×width) is more than the {MaxImagePixels} pixels an image may have");
            }
            grey &= codec.Info.ColorType == SKColorType.Gray8;
            if (first is null)
            {
                (first, height, width) = (file, codec.Info.Height, codec.Info.Width);
            }
            else if (size is null && (codec.Info.Height != height || codec.Info.Width != width))
            {
                throw new DatasetException($"{file}: {codec.Info.Height}×{codec.Info.Width} (height×width), but {first} is {height}×{width}; " +
                    "images must all have one size, or give a size to resize them to");
            }
        }
        if (size is { Count: 2 })
        {
            (height, width) = (size[0], size[1]);
        }
        int channels = grey ? 1 : 3;
        if ((long)channels * height * width > MaxRowBytes)
        {
            throw new DatasetException($"{(size is null ? first : path)}: rows of {channels}×{height}×{width} bytes are more than the {MaxRowBytes} a row may take; " +
                (size is null ? "give a size to resize the images to" : "give a smaller size"));
        }
        _decodeAs = grey ? SKColorType.Gray8 : SKColorType.Rgba8888;
        Shape = [channels, height, width];
        Element = ElementType.UInt8;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override long ReadRows(IRowSink sink, List<string>? labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        int channels = Shape[0], height = Shape[1], width = Shape[2];
        var row = new byte[RowBytes];
        foreach (string file in _files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var codec = OpenCodec(file);
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, _decodeAs, SKAlphaType.Unpremul);
            using var decoded = SKBitmap.Decode(codec, info)
                ?? throw new DatasetException($"{file}: the image cannot be decoded");
            using var resized = decoded.Width == width && decoded.Height == height
                ? null
                : decoded.Resize(new SKImageInfo(width, height, _decodeAs, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                    ?? throw new DatasetException($"{file}: the image cannot be resized to {height}×{width}");
            var bitmap = resized ?? decoded;
            ReadOnlySpan<byte> pixels = bitmap.GetPixelSpan();
            int stride = bitmap.RowBytes;
            int pixelBytes = _decodeAs == SKColorType.Gray8 ? 1 : 4;
            // Skia holds pixels row by row, channel last; a stored row is channel first ([c, h, w]).
            for (int c = 0; c < channels; c++)
            {
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        row[(c * height + y) * width + x] = pixels[y * stride + x * pixelBytes + c];
                    }
                }
            }
            sink.Write(row);
        }
        return _files.Length;
    }

    public override string Place(long row, int feature) => _files[row];

    /// <summary>The image files below <paramref name="root"/> in ordinal order of their relative paths, and their classes (null: a flat folder).</summary>
    private static (string[] Files, string[]? Labels) List(string root)
    {
        var folders = Directory.GetDirectories(root).Where(d => !IsHidden(d)).ToArray();
        var images = Directory.GetFiles(root).Where(f => !IsHidden(f)).ToArray();
        if (folders.Length > 0 && images.Length > 0)
        {
            throw new DatasetException($"{root}: holds both folders ({System.IO.Path.GetFileName(folders[0])}, …) and images ({System.IO.Path.GetFileName(images[0])}, …); " +
                "use one subfolder per class, or a flat folder of images without labels");
        }
        if (folders.Length == 0)
        {
            var flat = images.Select(f => (Relative: System.IO.Path.GetFileName(f), Path: f)).ToList();
            CheckImages(flat.Select(f => f.Path), root);
            return ([.. flat.OrderBy(f => f.Relative, StringComparer.Ordinal).Select(f => f.Path)], null);
        }
        var all = new List<(string Relative, string Path, string Label)>();
        foreach (string folder in folders)
        {
            string label = System.IO.Path.GetFileName(folder);
            if (Directory.GetDirectories(folder).FirstOrDefault(d => !IsHidden(d)) is { } nested)
            {
                throw new DatasetException($"{nested}: a folder inside the class folder '{label}'; a class folder holds its images directly");
            }
            var files = Directory.GetFiles(folder).Where(f => !IsHidden(f)).ToArray();
            CheckImages(files, root);
            all.AddRange(files.Select(f => ($"{label}/{System.IO.Path.GetFileName(f)}", f, label)));
        }
        if (all.Count == 0)
        {
            throw new DatasetException($"{root}: no PNG or JPEG images in its class folders");
        }
        all.Sort((a, b) => StringComparer.Ordinal.Compare(a.Relative, b.Relative));
        return ([.. all.Select(f => f.Path)], [.. all.Select(f => f.Label)]);
    }

    private static void CheckImages(IEnumerable<string> files, string root)
    {
        bool any = false;
        foreach (string file in files)
        {
            if (!Extensions.Contains(System.IO.Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            {
                throw new DatasetException($"{file}: not a PNG or JPEG file (.png, .jpg, .jpeg); move it out of {root}");
            }
            any = true;
        }
        if (!any && Directory.GetDirectories(root).Length == 0)
        {
            throw new DatasetException($"{root}: no PNG or JPEG images");
        }
    }

    private static bool IsHidden(string path) => System.IO.Path.GetFileName(path).StartsWith('.');

    private static SKCodec OpenCodec(string file)
    {
        var codec = SKCodec.Create(file, out var result);
        if (codec is null)
        {
            throw new DatasetException($"{file}: not an image SkiaSharp can decode ({result})");
        }
        var format = codec.EncodedFormat;
        if (format is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
        {
            codec.Dispose();
            throw new DatasetException($"{file}: a {format} image; only PNG and JPEG are read");
        }
        return codec;
    }
}
