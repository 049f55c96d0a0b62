using System.Net;
using Grid.Compute.Data;
using Grid.Grains.Stages;
using Microsoft.Extensions.Configuration;

namespace Grid.Silo.Hosting;

/// <summary>
/// How a silo runs (section <c>Grid:Silo</c>, e.g. <c>Grid__Silo__Redis</c> in the environment of
/// <c>grid silo</c>, whose command-line options take precedence). Validated at start-up.
/// </summary>
public sealed class GridSiloOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Grid:Silo";

    /// <summary>Orleans cluster id: silos and clients of one grid share it.</summary>
    public string ClusterId { get; set; } = "grid";

    /// <summary>
    /// Orleans service id, which keys grain state and reminders in storage and so should outlive a
    /// deployment; empty: the cluster id. Clients pass the same (<c>grid sweep … --service-id</c>).
    /// </summary>
    public string? ServiceId { get; set; }

    /// <summary>
    /// Cluster mode: the IP address other silos and clients reach this silo at (on Kubernetes the pod's
    /// IP, <c>Grid__Silo__AdvertisedAddress=$(POD_IP)</c>); the silo and gateway ports then listen on
    /// every address. Empty: 127.0.0.1, silos on one machine.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// The address the HTTP endpoints (and the metrics port) listen on: 127.0.0.1 by default (this
    /// machine only); 0.0.0.0 for probes and scrapers from outside, as on Kubernetes.
    /// </summary>
    public string HttpAddress { get; set; } = IPAddress.Loopback.ToString();

    /// <summary>
    /// Redis for cluster mode, <c>HOST:PORT</c> or a StackExchange.Redis configuration (<c>HOST:PORT,password=…,user=…,ssl=true</c>);
    /// empty for embedded mode (localhost clustering, in-memory state). Never printed with its password.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Redis' password when <see cref="Redis"/> holds none (<c>Grid__Silo__RedisPassword</c>, from a Secret on Kubernetes).</summary>
    public string? RedisPassword { get; set; }

    /// <summary>
    /// Mutual TLS on the silo and gateway ports (<c>Grid__Silo__Tls__Cert</c>, <c>…__Key</c>, <c>…__Ca</c>): silos and clients
    /// then need a certificate signed by the CA to connect. None: no TLS, as on a laptop.
    /// </summary>
    public TlsFiles Tls { get; set; } = new();

    /// <summary>
    /// Tokens for the HTTP pages and API, <c>ROLE:TOKEN;ROLE:TOKEN</c> with ROLE <c>read</c> or <c>write</c>
    /// (<c>Grid__Silo__ApiTokens</c>). With tokens (here or in <see cref="ApiTokensFile"/>) every page but the health
    /// probes needs one; without, the pages answer everyone who reaches the HTTP port.
    /// </summary>
    public string? ApiTokens { get; set; }

    /// <summary>A file of API tokens, one <c>ROLE:TOKEN</c> a line (<c>#</c> comments); read again when it changes.</summary>
    public string? ApiTokensFile { get; set; }

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Embedded mode only: the silo port of the first silo, which others join (several embedded silos
    /// on one machine, as <c>grid bench kmeans --silos</c> starts); null: this silo is the first.
    /// </summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>Port of the silo's HTTP endpoints (health, metrics, results pages); 0 picks a free one.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>
    /// A separate port for <c>/metrics</c> (an internal port for the scraper); when set, <c>/metrics</c>
    /// is served there only. Empty: <c>/metrics</c> is served on <see cref="HttpPort"/>.
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>Slots this silo offers, <c>cpu=N,gpu=M</c>.</summary>
    public string Slots { get; set; } = "cpu=1";

    public string DataDir { get; set; } = DatasetStore.DefaultDataDirectory();

    /// <summary>Where stage outputs live, addressed by hash; shared by all silos in cluster mode.</summary>
    public string ArtifactsDir { get; set; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "grid", "artifacts");

    /// <summary>
    /// Where imported datasets every silo of a cluster finds live: the <c>datasets</c> folder of the shared artifact
    /// directory (import there with <c>grid data add … --data-dir ARTIFACTS/datasets</c>). Looked in after <see cref="DataDir"/>.
    /// </summary>
    public string SharedDatasetsDir => Path.Combine(ArtifactsDir, SharedDatasetsFolder);

    /// <summary>The folder of the artifact directory that holds shared imported datasets.</summary>
    public const string SharedDatasetsFolder = "datasets";

    /// <summary>
    /// On shutdown, how long running stages may take to finish before they are handed back (queued again
    /// elsewhere, an autoencoder from its last epoch checkpoint). The host's shutdown timeout is this plus
    /// 30 s for Orleans; a Kubernetes termination grace period must be longer still.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Resident memory above which the silo stops its newest running stage as out of memory (the stage
    /// retries, bounded, and its trials fail with that reason) rather than let the whole silo be killed
    /// for memory with everything it runs: a size (<c>6G</c>, <c>1500M</c>), <c>auto</c> (90 % of the
    /// memory available to the process: the container's limit on Kubernetes, else the machine's) or
    /// <c>off</c>.
    /// </summary>
    public string MemoryLimit { get; set; } = "auto";

    /// <summary>
    /// Cluster mode: the period and timeout of the liveness probes silos send each other. A silo that misses three in a
    /// row is declared dead, and its work resumes elsewhere: about 3 × this after a silo is killed. Raise it where silos
    /// are starved of CPU for seconds at a time.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Of the memory available to the process, the share <c>MemoryLimit: auto</c> allows.</summary>
    public const double AutoMemoryLimitShare = 0.9;

    public bool IsClusterMode => !string.IsNullOrWhiteSpace(Redis);

    /// <summary><see cref="MemoryLimit"/> in bytes; null when it is off.</summary>
    public long? MemoryLimitBytes() => MemoryLimit.Trim().ToLowerInvariant() switch
    {
        "off" or "0" => null,
        "auto" or "" => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * AutoMemoryLimitShare),
        _ => MemorySize.Parse(MemoryLimit),
    };

    /// <summary>Cluster mode's Redis, its password filled in from <see cref="RedisPassword"/>; null in embedded mode.</summary>
    public RedisTarget? RedisTarget() => IsClusterMode ? Hosting.RedisTarget.Parse(Redis!, RedisPassword, "--redis") : null;

    /// <summary><see cref="ServiceId"/>, or the cluster id when it is empty.</summary>
    public string EffectiveServiceId => string.IsNullOrWhiteSpace(ServiceId) ? ClusterId : ServiceId;

    /// <summary>Options from the <see cref="Section"/> section of <paramref name="configuration"/>; defaults for what it lacks.</summary>
    public static GridSiloOptions FromConfiguration(IConfiguration configuration)
    {
        var options = new GridSiloOptions();
        configuration.GetSection(Section).Bind(options);
        return options;
    }

    public SlotCounts ParsedSlots() => SlotCounts.Parse(Slots);

    /// <summary>Throws with a message naming the setting when something is off.</summary>
    public void Validate()
    {
        ValidatePort(nameof(SiloPort), SiloPort, allowZero: false);
        ValidatePort(nameof(GatewayPort), GatewayPort, allowZero: false);
        ValidatePort(nameof(HttpPort), HttpPort, allowZero: true);
        if (SiloPort == GatewayPort || (HttpPort != 0 && (HttpPort == SiloPort || HttpPort == GatewayPort)))
        {
            throw new ArgumentException($"Grid:Silo: silo port {SiloPort}, gateway port {GatewayPort} and HTTP port {HttpPort} must differ");
        }
        if (MetricsPort is int metricsPort)
        {
            ValidatePort(nameof(MetricsPort), metricsPort, allowZero: false);
            if (metricsPort == SiloPort || metricsPort == GatewayPort || metricsPort == HttpPort)
            {
                throw new ArgumentException($"Grid:Silo:MetricsPort {metricsPort} must differ from the silo, gateway and HTTP ports");
            }
        }
        ParsedSlots();
        if (DrainTimeout < TimeSpan.Zero || DrainTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"Grid:Silo:DrainTimeout {DrainTimeout} must be between 0 and 1 hour");
        }
        if (ProbeTimeout < TimeSpan.FromMilliseconds(500) || ProbeTimeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"Grid:Silo:ProbeTimeout {ProbeTimeout} must be between 0.5 s and 1 minute");
        }
        try
        {
            MemoryLimitBytes();
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"Grid:Silo:MemoryLimit: {e.Message}; or auto, or off");
        }
        if (string.IsNullOrWhiteSpace(DataDir))
        {
            throw new ArgumentException("Grid:Silo:DataDir is empty");
        }
        if (string.IsNullOrWhiteSpace(ArtifactsDir))
        {
            throw new ArgumentException("Grid:Silo:ArtifactsDir is empty");
        }
        RedisTarget();
        Tls.Validate();
        if (!string.IsNullOrWhiteSpace(ApiTokensFile) && !File.Exists(ApiTokensFile))
        {
            throw new ArgumentException($"--api-tokens-file {ApiTokensFile}: no such file");
        }
        if (Hosting.ApiTokens.IsConfigured(this))
        {
            // Malformed tokens stop the silo at start, not at its first request.
            Hosting.ApiTokens.From(this);
        }
        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            throw new ArgumentException("Grid:Silo:ClusterId is empty");
        }
        if (!string.IsNullOrWhiteSpace(AdvertisedAddress) && !IPAddress.TryParse(AdvertisedAddress, out _))
        {
            throw new ArgumentException($"Grid:Silo:AdvertisedAddress '{AdvertisedAddress}' is not an IP address");
        }
        if (!IPAddress.TryParse(HttpAddress, out _))
        {
            throw new ArgumentException($"Grid:Silo:HttpAddress '{HttpAddress}' is not an IP address (127.0.0.1, or 0.0.0.0 for every address)");
        }
    }

    private static void ValidatePort(string name, int port, bool allowZero)
    {
        if (port < (allowZero ? 0 : 1) || port > 65535)
        {
            throw new ArgumentOutOfRangeException(name, port, $"Grid:Silo:{name} must be a port number (1–65535{(allowZero ? ", or 0 for any free port" : "")})");
        }
    }
}
