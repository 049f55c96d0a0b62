using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grid.Silo.Hosting;

/// <summary>
/// A throwaway certificate authority for a cluster on one machine: <c>grid bench kmeans --tls</c> and the tests make one,
/// and issue each silo and client a certificate for 127.0.0.1, as PEM files in the layout cert-manager writes
/// (<c>NAME.crt</c>, <c>NAME.key</c>, and the CA's <c>ca.crt</c>). ECDSA P-256: the handshakes stay cheap.
/// A real cluster's CA is cert-manager's (deploy/k8s) or the organisation's.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2 _certificate;
    private readonly string _directory;

    private CertificateAuthority(X509Certificate2 certificate, string directory)
    {
        _certificate = certificate;
        _directory = directory;
    }

    /// <summary>The CA's certificate file: what every member passes as <c>--tls-ca</c>.</summary>
    public string CaFile => Path.Combine(_directory, "ca.crt");

    /// <summary>A new CA named <paramref name="name"/> whose files go into <paramref name="directory"/> (created if need be).</summary>
    public static CertificateAuthority Create(string directory, string name = "grid-ca")
    {
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(30));
        var authority = new CertificateAuthority(certificate, directory);
        File.WriteAllText(authority.CaFile, certificate.ExportCertificatePem());
        return authority;
    }

    /// <summary>Issues <paramref name="name"/> a certificate for 127.0.0.1 and localhost (server and client use), writes it, and returns the three files.</summary>
    public TlsFiles Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication, ClientAuthentication], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(_certificate, now.AddHours(-1), now.AddDays(7), RandomNumberGenerator.GetBytes(16));
        var files = new TlsFiles { Cert = Path.Combine(_directory, name + ".crt"), Key = Path.Combine(_directory, name + ".key"), Ca = CaFile };
        File.WriteAllText(files.Cert, issued.ExportCertificatePem());
        File.WriteAllText(files.Key, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    public void Dispose() => _certificate.Dispose();
}
