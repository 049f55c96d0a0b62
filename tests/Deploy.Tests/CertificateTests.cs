using System.CommandLine;
using System.Text.RegularExpressions;
using Grid.Client.Commands;
using Grid.Silo.Hosting;
using k8s.Models;

namespace Grid.Deploy.Tests;

/// <summary>
/// Mutual TLS on Kubernetes: cert-manager's CA issues the silos' and the console's certificates, every silo and the sweep
/// Job mount the Secret their Certificate writes (whole, so renewals arrive) and point their TLS settings at its files,
/// and a renewal written the way the kubelet writes it is the certificate a silo presents next.
/// </summary>
public sealed partial class CertificateTests
{
    /// <summary>The files cert-manager writes into a Certificate's Secret.</summary>
    public static readonly string[] CertManagerFiles = ["tls.crt", "tls.key", "ca.crt"];

    private const int GroupRead = 0b000_100_000, OtherRead = 0b000_000_100;

    public static TheoryData<string> Overlays() => new(Rendered.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_silo_mounts_the_certificate_cert_manager_keeps_for_the_silos_and_points_its_tls_settings_and_tokens_into_secrets(string folder)
    {
        var rendered = Rendered.Of(folder);
        var silos = rendered.Silos().ToList();
        Assert.NotEmpty(silos);
        var identities = new HashSet<string>();
        foreach (var silo in silos)
        {
            string where = $"{folder} Deployment/{silo.Metadata.Name}";
            var container = Rendered.SiloContainer(silo);
            var settings = rendered.SiloSettings(container);
            identities.Add(CertificateMounted(rendered, silo.Spec.Template, container, settings.Tls, where).Spec.SecretName);

            // The HTTP tokens: a file in a mounted Secret (read again when it changes), not a value in the environment.
            Assert.False(string.IsNullOrWhiteSpace(settings.ApiTokensFile), $"{where}: no --api-tokens-file");
            Assert.True(string.IsNullOrWhiteSpace(settings.ApiTokens), $"{where}: tokens in the environment");
            SecretMount(silo.Spec.Template, container, [settings.ApiTokensFile], where);
        }
        // One identity for the silos: membership is being signed by the cluster's CA, not which silo one is.
        Assert.Single(identities);
    }

    [Fact]
    public void The_sweep_job_mounts_the_console_certificate_from_the_same_ca_as_the_silos()
    {
        var job = Assert.Single(Rendered.Of("sweep").All<V1Job>());
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        // The TLS options as the console reads them from the Job's command line.
        var parse = new RootCommand { SweepCommands.Create() }.Parse(container.Args.ToList());
        Assert.Empty(parse.Errors);
        var tls = new TlsFiles { Cert = parse.GetValue<string?>("--tls-cert"), Key = parse.GetValue<string?>("--tls-key"), Ca = parse.GetValue<string?>("--tls-ca") };
        foreach (string folder in Rendered.Overlays)
        {
            var rendered = Rendered.Of(folder);
            var console = CertificateMounted(rendered, job.Spec.Template, container, tls, $"Job/{job.Metadata.Name} with {folder}");
            var siloDeployment = rendered.Silos().First();
            var siloContainer = Rendered.SiloContainer(siloDeployment);
            var silo = CertificateMounted(rendered, siloDeployment.Spec.Template, siloContainer, rendered.SiloSettings(siloContainer).Tls, $"{folder} Deployment/{siloDeployment.Metadata.Name}");
            // Its own identity, from the CA the silos trust.
            Assert.NotEqual(silo.Spec.SecretName, console.Spec.SecretName);
            Assert.Equal(silo.Spec.IssuerRef.Name, console.Spec.IssuerRef.Name);
        }
    }

    [Fact]
    public void A_renewed_certificate_written_as_the_kubelet_writes_secrets_is_the_one_presented_next()
    {
        using var work = new TempDirectory("grid-deploy-renewal-");
        using var authority = CertificateAuthority.Create(work.File("ca"));
        var volume = new SecretVolume(work.File("tls"));
        volume.Write(AsCertManagerWrites(authority.Issue("silo-before")));
        var certificates = ClusterCertificates.Load(
            new TlsFiles { Cert = volume.PathOf("tls.crt"), Key = volume.PathOf("tls.key"), Ca = volume.PathOf("ca.crt") }, recheckPeriod: TimeSpan.Zero);
        Assert.Equal("CN=silo-before", certificates.Certificate.Subject);

        volume.Write(AsCertManagerWrites(authority.Issue("silo-after")));
        Assert.Equal("CN=silo-after", certificates.Certificate.Subject);
    }

    /// <summary>
    /// The Certificate whose Secret <paramref name="container"/> mounts and <paramref name="tls"/> points into: a leaf with
    /// server and client usage and an ECDSA key, renewed before it expires, from a CA Issuer whose CA cert-manager makes
    /// from a self-signed Issuer, all in this render.
    /// </summary>
    private static Certificate CertificateMounted(Rendered rendered, V1PodTemplateSpec template, V1Container container, TlsFiles tls, string where)
    {
        Assert.True(tls.IsEnabled, $"{where}: no TLS");
        var volume = SecretMount(template, container, [tls.Cert, tls.Key, tls.Ca], where);
        Assert.Equal(CertManagerFiles, new[] { tls.Cert, tls.Key, tls.Ca }.Select(f => Path.GetFileName(f)));
        Assert.True(volume.Secret.Items is null || volume.Secret.Items.Count == 0, $"{where}: items pick files; cert-manager's names are the files");

        var certificate = rendered.All<Certificate>().SingleOrDefault(c => c.Spec.SecretName == volume.Secret.SecretName);
        Assert.True(certificate is not null, $"{where}: no Certificate of {rendered.Folder} writes Secret {volume.Secret.SecretName}");
        Assert.True(certificate.Spec.IsCa is null or false, $"{where}: mounts a CA's certificate");
        Assert.Equal("ECDSA", certificate.Spec.PrivateKey?.Algorithm);
        Assert.Equal("Always", certificate.Spec.PrivateKey?.RotationPolicy);
        Assert.Superset(new HashSet<string> { "server auth", "client auth", "digital signature" }, certificate.Spec.Usages?.ToHashSet() ?? []);
        var lifetime = Duration(certificate.Spec.Duration);
        var renewal = Duration(certificate.Spec.RenewBefore);
        Assert.InRange(renewal, TimeSpan.FromDays(1), lifetime / 2);

        var issuer = IssuerOf(rendered, certificate.Spec.IssuerRef);
        Assert.True(issuer.Spec.Ca is not null, $"{where}: {certificate.Metadata.Name} is not issued by a CA Issuer");
        var ca = rendered.All<Certificate>().Single(c => c.Spec.SecretName == issuer.Spec.Ca.SecretName);
        Assert.True(ca.Spec.IsCa, $"Certificate {ca.Metadata.Name} backs Issuer {issuer.Metadata.Name} without isCA");
        Assert.NotNull(IssuerOf(rendered, ca.Spec.IssuerRef).Spec.SelfSigned);
        // The CA keeps its key when renewed, so what it signed still chains to it; and every certificate it signs expires before it is renewed.
        Assert.Equal("Never", ca.Spec.PrivateKey?.RotationPolicy);
        Assert.True(lifetime < Duration(ca.Spec.RenewBefore), $"{certificate.Metadata.Name} outlives its CA's renewal window");
        return certificate;
    }

    /// <summary>The one Secret volume <paramref name="files"/> are all on: mounted whole and read-only, readable by the pod's user.</summary>
    private static V1Volume SecretMount(V1PodTemplateSpec template, V1Container container, IEnumerable<string?> files, string where)
    {
        var mounts = new List<V1VolumeMount>();
        foreach (string? file in files)
        {
            var on = Rendered.MountOf(container, file ?? "");
            Assert.True(on is not null, $"{where}: {file} is on none of container {container.Name}'s volumes");
            mounts.Add(on);
        }
        var mount = Assert.Single(mounts.DistinctBy(m => m.Name));
        Assert.True(string.IsNullOrEmpty(mount.SubPath), $"{where}: {mount.MountPath} is a subPath mount, which never sees the Secret change");
        Assert.True(mount.ReadOnlyProperty, $"{where}: {mount.MountPath} is writable");
        var volume = template.Spec.Volumes.Single(v => v.Name == mount.Name);
        Assert.True(volume.Secret is not null, $"{where}: {mount.MountPath} is not a Secret");
        int mode = volume.Secret.DefaultMode ?? 0b110_100_100;
        Assert.True((mode & OtherRead) != 0 || ((mode & GroupRead) != 0 && template.Spec.SecurityContext.FsGroup is not null),
            $"{where}: the files of {volume.Secret.SecretName} are not readable by the pod's user (mode {Convert.ToString(mode, 8)}, fsGroup {template.Spec.SecurityContext.FsGroup})");
        return volume;
    }

    private static Issuer IssuerOf(Rendered rendered, IssuerReference reference)
    {
        Assert.Equal("cert-manager.io", reference.Group);
        Assert.Equal("Issuer", reference.Kind);
        return rendered.Single<Issuer>(reference.Name);
    }

    /// <summary>A Go duration as cert-manager reads it (<c>2160h</c>, <c>1h30m</c>).</summary>
    private static TimeSpan Duration(string? text)
    {
        var parts = GoDuration().Match(text ?? "");
        Assert.True(parts.Success, $"'{text}' is not a duration");
        return TimeSpan.FromHours(Number(parts, "h")) + TimeSpan.FromMinutes(Number(parts, "m")) + TimeSpan.FromSeconds(Number(parts, "s"));

        static int Number(Match m, string unit) => m.Groups[unit].Success ? int.Parse(m.Groups[unit].Value) : 0;
    }

    [GeneratedRegex(@"^(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex GoDuration();

    private static Dictionary<string, string> AsCertManagerWrites(TlsFiles issued) => new()
    {
        ["tls.crt"] = File.ReadAllText(issued.Cert!),
        ["tls.key"] = File.ReadAllText(issued.Key!),
        ["ca.crt"] = File.ReadAllText(issued.Ca!),
    };
}
