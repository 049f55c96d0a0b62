using Grid.Abstractions.Workers;
using Grid.Silo.Compute;
using Microsoft.AspNetCore.Http;

namespace Grid.Silo.Hosting;

/// <summary>
/// <c>GET /readyz</c>: 200 when this silo takes work and the scheduler knows a live worker; otherwise 503 with the reason,
/// whatever fails inside (never 500): the silo shutting down, no worker yet, or the scheduler not answering, as while the
/// silo that hosted it is being declared dead and it comes back elsewhere.
/// </summary>
public static class Readiness
{
    /// <summary>How long the probe waits for the scheduler; under Kubernetes' probe timeout (5 s in deploy/k8s).</summary>
    public static readonly TimeSpan SchedulerTimeout = TimeSpan.FromSeconds(3);

    public static async Task<IResult> CheckAsync(IGrainFactory grains, SiloDrain drain)
    {
        if (drain.IsDraining)
        {
            return NotReady("shutting down");
        }
        try
        {
            int alive = await grains.GetGrain<ISchedulerGrain>(0).CountAliveWorkersAsync().WaitAsync(SchedulerTimeout);
            return alive > 0 ? Results.Text("ready") : NotReady("no live worker yet: the scheduler has heard from none");
        }
        catch (TimeoutException)
        {
            return NotReady($"the scheduler did not answer within {SchedulerTimeout.TotalSeconds:F0} s (a silo may be being declared dead)");
        }
        catch (Exception ex)
        {
            return NotReady($"the scheduler is unreachable: {ex.GetBaseException().Message}");
        }
    }

    private static IResult NotReady(string reason) => Results.Text("not ready: " + reason, statusCode: StatusCodes.Status503ServiceUnavailable);
}
