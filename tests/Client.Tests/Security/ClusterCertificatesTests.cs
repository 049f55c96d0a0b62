using Grid.Silo.Hosting;

namespace Grid.Client.Tests.Security;

/// <summary>The TLS identity a silo or console loads from PEM files: what it accepts, what it refuses with one line, and renewal.</summary>
public sealed class ClusterCertificatesTests : IDisposable
{
    private readonly TempDirectory _files = new("grid-certificates-");

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_certificate_of_the_cluster_ca_is_trusted_and_one_of_another_ca_is_not()
    {
        using var authority = CertificateAuthority.Create(_files.File("ca"));
        using var other = CertificateAuthority.Create(_files.File("other"), "other-ca");
        var identity = ClusterCertificates.Load(authority.Issue("silo"));

        Assert.True(identity.Certificate.HasPrivateKey);
        Assert.Null(identity.WhyUntrusted(ClusterCertificates.Load(authority.Issue("client")).Certificate));
        string? why = identity.WhyUntrusted(ClusterCertificates.Load(other.Issue("stranger")).Certificate);
        Assert.NotNull(why);
        Assert.Contains("CN=stranger", why);
        Assert.Contains("not signed by the CA in --tls-ca", why);
    }

    [Fact]
    public void Files_that_are_not_one_identity_are_refused_in_one_line_naming_the_option()
    {
        using var authority = CertificateAuthority.Create(_files.File("ca"));
        using var other = CertificateAuthority.Create(_files.File("other"), "other-ca");
        var silo = authority.Issue("silo");
        var stranger = other.Issue("stranger");

        var missing = Assert.Throws<ArgumentException>(() => ClusterCertificates.Load(new TlsFiles { Cert = silo.Cert, Ca = silo.Ca }));
        Assert.StartsWith("--tls-key is missing", missing.Message);
        var absent = Assert.Throws<ArgumentException>(() => ClusterCertificates.Load(new TlsFiles { Cert = silo.Cert, Key = _files.File("nope.key"), Ca = silo.Ca }));
        Assert.Contains("--tls-key", absent.Message);
        Assert.Contains("no such file", absent.Message);
        var mismatched = Assert.Throws<ArgumentException>(() => ClusterCertificates.Load(new TlsFiles { Cert = silo.Cert, Key = stranger.Key, Ca = silo.Ca }));
        Assert.StartsWith($"--tls-cert {silo.Cert} with --tls-key {stranger.Key}", mismatched.Message);
        var foreign = Assert.Throws<ArgumentException>(() => ClusterCertificates.Load(new TlsFiles { Cert = stranger.Cert, Key = stranger.Key, Ca = silo.Ca }));
        Assert.Contains("is not trusted by --tls-ca", foreign.Message);
        var notPem = Assert.Throws<ArgumentException>(() => ClusterCertificates.Load(new TlsFiles { Cert = silo.Cert, Key = silo.Key, Ca = _files.Write("ca.txt", "not a certificate") }));
        Assert.Contains("holds no PEM certificate", notPem.Message);
        Assert.All(new[] { missing, absent, mismatched, foreign, notPem }, e => Assert.DoesNotContain('\n', e.Message));
    }

    [Fact]
    public void A_renewed_certificate_is_presented_once_its_files_change_and_a_half_written_renewal_keeps_the_old_one()
    {
        using var authority = CertificateAuthority.Create(_files.File("ca"));
        var files = authority.Issue("silo");
        var identity = ClusterCertificates.Load(files, recheckPeriod: TimeSpan.Zero);
        string first = identity.Certificate.Thumbprint;

        // cert-manager writes the certificate and then the key: in between, they do not fit together.
        var renewal = authority.Issue("renewed");
        File.Copy(renewal.Cert!, files.Cert!, overwrite: true);
        File.SetLastWriteTimeUtc(files.Cert!, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(first, identity.Certificate.Thumbprint);

        File.Copy(renewal.Key!, files.Key!, overwrite: true);
        File.SetLastWriteTimeUtc(files.Key!, DateTime.UtcNow.AddSeconds(2));
        Assert.NotEqual(first, identity.Certificate.Thumbprint);
        Assert.Equal("CN=renewed", identity.Certificate.Subject);
    }
}
