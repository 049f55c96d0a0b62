using System.Buffers;
using Grid.Core;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Grid.Abstractions;

/// <summary>
/// Orleans codecs for the enums of Grid.Core, which has no package references and so no Orleans attributes. A value
/// travels as its number, as the enums' own generated codecs wrote it before they moved to Core, so stored grain
/// state reads back unchanged: never renumber them. The codec also writes the type when a value travels boxed.
/// </summary>
public abstract class CoreEnumCodec<TEnum> : IFieldCodec<TEnum>
    where TEnum : struct, Enum
{
    private static readonly Type CodecFieldType = typeof(TEnum);

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, TEnum value)
        where TBufferWriter : IBufferWriter<byte> =>
        Int32Codec.WriteField(ref writer, fieldIdDelta, expectedType, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture), CodecFieldType);

    public TEnum ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        int number = Int32Codec.ReadValue(ref reader, field);
        return (TEnum)Enum.ToObject(typeof(TEnum), number);
    }
}

[RegisterSerializer]
public sealed class ScalerKindCodec : CoreEnumCodec<ScalerKind>;

[RegisterSerializer]
public sealed class ReconstructionLossCodec : CoreEnumCodec<ReconstructionLoss>;

[RegisterSerializer]
public sealed class KMeansAlgorithmCodec : CoreEnumCodec<KMeansAlgorithm>;

[RegisterSerializer]
public sealed class NetworkArchitectureCodec : CoreEnumCodec<NetworkArchitecture>;

[RegisterSerializer]
public sealed class InputScalingCodec : CoreEnumCodec<InputScaling>;

[RegisterSerializer]
public sealed class ObjectiveMetricCodec : CoreEnumCodec<ObjectiveMetric>;

[RegisterSerializer]
public sealed class ObjectiveGoalCodec : CoreEnumCodec<ObjectiveGoal>;
