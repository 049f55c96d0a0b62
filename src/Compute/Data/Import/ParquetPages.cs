using Parquet.Meta;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Checks what the pages of a Parquet column chunk declare before Parquet.Net reads them. Parquet.Net allocates what a
/// page header declares (its uncompressed size, a dictionary's value count; for Snappy, the length a block declares for
/// itself) before it looks at the data, so one corrupt header could cost gigabytes for a file of a few hundred bytes.
/// Every page must lie inside its column chunk and declare no more uncompressed bytes than the whole chunk does; a
/// dictionary no more values, and a Snappy block no more bytes, than its page. Only the header fields that say so are
/// read, with Thrift's compact protocol (apache/thrift, doc/specs/thrift-compact-protocol.md), without allocating.
/// </summary>
internal static class ParquetPages
{
    private const int Stop = 0;
    private const int BoolTrue = 1;
    private const int BoolFalse = 2;
    private const int Byte = 3;
    private const int I16 = 4;
    private const int I32 = 5;
    private const int I64 = 6;
    private const int Double = 7;
    private const int Binary = 8;
    private const int List = 9;
    private const int Set = 10;
    private const int Map = 11;
    private const int Struct = 12;

    /// <summary>Throws a <see cref="DatasetException"/> naming <paramref name="where"/> unless the chunk's pages declare sizes its metadata allows.</summary>
    /// <param name="file">The Parquet file (its position is moved).</param>
    public static void Check(Stream file, ColumnMetaData column, string where)
    {
        long[] offsets = [column.DataPageOffset, column.DictionaryPageOffset ?? 0, column.IndexPageOffset ?? 0];
        // Where Parquet.Net starts reading: the first page, whichever kind it is.
        long start = offsets.Where(offset => offset != 0).DefaultIfEmpty(0).Min();
        long end = start + column.TotalCompressedSize;
        if (start <= 0 || column.TotalCompressedSize <= 0 || column.TotalUncompressedSize < 0 || end > file.Length)
        {
            throw Corrupt(where, $"its pages ({column.TotalCompressedSize} bytes from byte {start}) are not inside the file");
        }
        long values = 0;
        for (long at = start; at < end && values < column.NumValues;)
        {
            file.Position = at;
            var reader = new CompactReader(file, end, where);
            var page = reader.PageHeader();
            long data = file.Position;
            if (page.Compressed < 0 || page.Uncompressed < 0 || data + page.Compressed > end)
            {
                throw Corrupt(where, $"a page at byte {at} declares {page.Compressed} bytes, which do not fit in its column's {column.TotalCompressedSize}");
            }
            if (page.Uncompressed > column.TotalUncompressedSize)
            {
                throw Corrupt(where, $"a page at byte {at} declares {page.Uncompressed} uncompressed bytes, more than its whole column's {column.TotalUncompressedSize}");
            }
            if (page.DictionaryValues > page.Uncompressed)
            {
                throw Corrupt(where, $"a dictionary page at byte {at} declares {page.DictionaryValues} values in {page.Uncompressed} bytes");
            }
            bool compressed = column.Codec == CompressionCodec.SNAPPY && page.Compressed > page.Levels && page.CompressedData;
            if (compressed && reader.SnappyLength(data + page.Levels) > page.Uncompressed - page.Levels)
            {
                throw Corrupt(where, $"a page at byte {at} holds a Snappy block longer than the {page.Uncompressed} bytes the page declares");
            }
            values += page.Values;
            at = data + page.Compressed;
        }
        if (values < column.NumValues)
        {
            throw Corrupt(where, $"its pages hold {values} values, fewer than the {column.NumValues} its metadata declares");
        }
    }

    private static DatasetException Corrupt(string where, string what) => new($"{where}: {what}; the file is corrupt");

    /// <param name="Values">Values a data page holds (0 for other pages).</param>
    /// <param name="DictionaryValues">Values a dictionary page declares (0 for other pages).</param>
    /// <param name="Levels">Bytes of uncompressed repetition and definition levels before a version 2 page's data.</param>
    /// <param name="CompressedData">False for a version 2 page that says its data is not compressed.</param>
    private readonly record struct Page(long Uncompressed, long Compressed, long Values, long DictionaryValues, long Levels, bool CompressedData);

    /// <summary>Reads Thrift's compact protocol from a stream, never past <c>end</c>, allocating nothing.</summary>
    private sealed class CompactReader(Stream stream, long end, string where)
    {
        /// <summary>PageHeader: 1 type, 2 uncompressed_page_size, 3 compressed_page_size, 5 data_page_header, 7 dictionary_page_header, 8 data_page_header_v2.</summary>
        public Page PageHeader()
        {
            long uncompressed = -1, compressed = -1, values = 0, dictionary = 0, levels = 0;
            bool compressedData = true;
            short last = 0;
            while (Field(ref last) is var (id, type) && type != Stop)
            {
                switch (id, type)
                {
                    case (2, I32):
                        uncompressed = ZigZag();
                        break;
                    case (3, I32):
                        compressed = ZigZag();
                        break;
                    case (5, Struct):
                        // DataPageHeader: 1 num_values.
                        StructFields((nested, nestedType) => nested == 1 && nestedType == I32 ? values = ZigZag() : Skip(nestedType, 1));
                        break;
                    case (7, Struct):
                        // DictionaryPageHeader: 1 num_values.
                        StructFields((nested, nestedType) => nested == 1 && nestedType == I32 ? dictionary = ZigZag() : Skip(nestedType, 1));
                        break;
                    case (8, Struct):
                        // DataPageHeaderV2: 1 num_values, 5 definition_levels_byte_length, 6 repetition_levels_byte_length, 7 is_compressed.
                        StructFields((nested, nestedType) => (nested, nestedType) switch
                        {
                            (1, I32) => values = ZigZag(),
                            (5 or 6, I32) => levels += Math.Max(0, ZigZag()),
                            (7, BoolTrue or BoolFalse) => (compressedData = nestedType == BoolTrue) ? 1 : 0,
                            _ => Skip(nestedType, 1),
                        });
                        break;
                    default:
                        Skip(type, 0);
                        break;
                }
            }
            return new Page(uncompressed, compressed, values, dictionary, levels, compressedData);
        }

        /// <summary>The uncompressed length a Snappy block at <paramref name="at"/> declares: a varint before its data.</summary>
        public long SnappyLength(long at)
        {
            stream.Position = at;
            return Varint();
        }

        private void StructFields(Func<short, int, long> read)
        {
            short last = 0;
            while (Field(ref last) is var (id, type) && type != Stop)
            {
                read(id, type);
            }
        }

        private (short Id, int Type) Field(ref short last)
        {
            byte header = NextByte();
            int type = header & 0x0F;
            if (type == Stop)
            {
                return (0, Stop);
            }
            int delta = header >> 4;
            last = delta == 0 ? (short)ZigZag() : (short)(last + delta);
            return (last, type);
        }

        /// <summary>Skips a value of <paramref name="type"/>; returns 0 (so that it can stand where a field is read).</summary>
        private long Skip(int type, int depth)
        {
            if (depth > 32)
            {
                throw Corrupt(where, "a page header nests deeper than any Parquet writes");
            }
            switch (type)
            {
                case BoolTrue or BoolFalse:
                    // A field's boolean is in its header.
                    break;
                case Byte:
                    NextByte();
                    break;
                case I16 or I32 or I64:
                    Varint();
                    break;
                case Double:
                    Advance(8);
                    break;
                case Binary:
                    Advance(Varint());
                    break;
                case List or Set:
                    byte header = NextByte();
                    long size = header >> 4 == 15 ? Varint() : header >> 4;
                    // Every element takes at least a byte, so reading past the end stops a size that lies.
                    for (long i = 0; i < size; i++)
                    {
                        Element(header & 0x0F, depth + 1);
                    }
                    break;
                case Map:
                    long entries = Varint();
                    byte types = entries > 0 ? NextByte() : (byte)0;
                    for (long i = 0; i < entries; i++)
                    {
                        Element(types >> 4, depth + 1);
                        Element(types & 0x0F, depth + 1);
                    }
                    break;
                case Struct:
                    short last = 0;
                    while (Field(ref last) is var (_, fieldType) && fieldType != Stop)
                    {
                        Skip(fieldType, depth + 1);
                    }
                    break;
                default:
                    throw Corrupt(where, $"a page header holds an unknown Thrift type {type}");
            }
            return 0;
        }

        /// <summary>An element of a list, set or map: a boolean there takes a byte of its own.</summary>
        private void Element(int type, int depth)
        {
            if (type is BoolTrue or BoolFalse)
            {
                NextByte();
            }
            else
            {
                Skip(type, depth);
            }
        }

        private long ZigZag()
        {
            long value = Varint();
            return (long)((ulong)value >> 1) ^ -(value & 1);
        }

        private long Varint()
        {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = NextByte();
                value |= (long)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
            throw Corrupt(where, "a page header holds a number longer than 64 bits");
        }

        private void Advance(long bytes)
        {
            if (bytes < 0 || stream.Position + bytes > end)
            {
                throw Corrupt(where, "a page header runs past the end of its column");
            }
            stream.Position += bytes;
        }

        private byte NextByte()
        {
            int b = stream.Position < end ? stream.ReadByte() : -1;
            return b >= 0 ? (byte)b : throw Corrupt(where, "a page header runs past the end of its column");
        }
    }
}
