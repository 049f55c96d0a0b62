using System.Text.Json.Serialization;

namespace Grid.Core.Datasets;

/// <summary>The file formats a dataset can be imported from (<c>grid data add --format</c>, a spec's <c>format:</c>).</summary>
/// <remarks>Spec and JSON names are lower-case (<c>csv | parquet | npy | idx | images</c>), read with <see cref="SpecNames"/>.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<DatasetFormat>))]
public enum DatasetFormat
{
    /// <summary>Comma-separated text with a header row (<c>.csv</c> or gzipped <c>.csv.gz</c>); the label, if any, is a column.</summary>
    [JsonStringEnumMemberName("csv")]
    Csv,

    /// <summary>An Apache Parquet file of numeric columns; the label, if any, is a column.</summary>
    [JsonStringEnumMemberName("parquet")]
    Parquet,

    /// <summary>A NumPy <c>.npy</c> array, rows first; labels in a separate one-dimensional <c>.npy</c> file.</summary>
    [JsonStringEnumMemberName("npy")]
    Npy,

    /// <summary>An IDX file (as MNIST ships), raw or gzipped, rows first; labels in a separate IDX file.</summary>
    [JsonStringEnumMemberName("idx")]
    Idx,

    /// <summary>A folder of PNG or JPEG images: one subfolder per class, or a flat folder of unlabeled images.</summary>
    [JsonStringEnumMemberName("images")]
    Images,
}
