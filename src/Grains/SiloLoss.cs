using Orleans.Runtime;

namespace Grid.Grains;

/// <summary>
/// Tells a lost silo from a failed computation. A call fails with one of these when the silo hosting
/// its target died or left (or could not be reached in time): the work was not judged, only
/// interrupted, so it is retried without counting as an attempt of the stage and without failing the
/// trial. Every other exception is the computation's own and counts.
/// </summary>
public static class SiloLoss
{
    public static bool Is(Exception exception) => exception switch
    {
        // SiloUnavailableException is one of these: the target silo is dead or left.
        OrleansMessageRejectionException => true,
        // The response never came: the silo stopped answering (killed, paused, partitioned).
        TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Is),
        _ => exception.GetType().Name == "ConnectionFailedException" || (exception.InnerException is { } inner && Is(inner)),
    };
}
