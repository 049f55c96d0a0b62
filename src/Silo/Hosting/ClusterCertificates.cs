using System.Net.Security;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Grid.Silo.Hosting;

/// <summary>
/// Where a silo's or console's TLS identity lives: PEM files, as cert-manager writes them into a Secret
/// (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>). All three or none: none means no TLS.
/// </summary>
public sealed class TlsFiles
{
    /// <summary>This side's certificate (PEM; a chain may follow it, the first certificate is this side's).</summary>
    public string? Cert { get; set; }

    /// <summary>The certificate's private key (PEM, PKCS#8, PKCS#1 or SEC1).</summary>
    public string? Key { get; set; }

    /// <summary>The certificate authorities whose certificates the other side must present (PEM, one or more).</summary>
    public string? Ca { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(Cert) || !string.IsNullOrWhiteSpace(Key) || !string.IsNullOrWhiteSpace(Ca);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option when only some are given or a file is missing.</summary>
    public void Validate()
    {
        if (!IsEnabled)
        {
            return;
        }
        foreach (var (option, path) in new[] { ("--tls-cert", Cert), ("--tls-key", Key), ("--tls-ca", Ca) })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException($"{option} is missing: TLS needs --tls-cert, --tls-key and --tls-ca together (or none, for no TLS)");
            }
            if (!File.Exists(path))
            {
                throw new ArgumentException($"{option} {path}: no such file");
            }
        }
    }
}

/// <summary>
/// Mutual TLS for Orleans links, silo ↔ silo and client ↔ gateway: this side presents its certificate and accepts only a
/// peer whose certificate chains to one of the CA files' certificates (not to the machine's trust store: only the
/// cluster's own CA vouches for a member). Host names are not checked: silos are addressed by pod IP, and being signed
/// by the cluster's CA is what makes a member. The files are read again when they change (cert-manager renews them in
/// place), at most once per <see cref="RecheckPeriod"/>; a half-written renewal keeps the previous identity until the
/// files fit together again. Connections already open keep the identity they started with.
/// </summary>
public sealed class ClusterCertificates
{
    /// <summary>How often the files' timestamps are looked at, at most.</summary>
    public static readonly TimeSpan RecheckPeriod = TimeSpan.FromSeconds(5);

    private readonly ReloadingFiles<Identity> _identity;

    private sealed record Identity(X509Certificate2 Certificate, X509Certificate2Collection Authorities);

    private ClusterCertificates(TlsFiles files, TimeSpan recheckPeriod) =>
        _identity = new ReloadingFiles<Identity>([files.Cert!, files.Key!, files.Ca!], () => Read(files), recheckPeriod);

    /// <summary>The identity in <paramref name="files"/>; an <see cref="ArgumentException"/> in one line when the files are not a usable one.</summary>
    /// <param name="recheckPeriod">How often the files' timestamps are looked at (default <see cref="RecheckPeriod"/>).</param>
    public static ClusterCertificates Load(TlsFiles files, TimeSpan? recheckPeriod = null)
    {
        files.Validate();
        if (!files.IsEnabled)
        {
            throw new ArgumentException("no TLS files given");
        }
        return new ClusterCertificates(files, recheckPeriod ?? RecheckPeriod);
    }

    /// <summary>Null without TLS files; else the identity they hold.</summary>
    public static ClusterCertificates? LoadIfEnabled(TlsFiles files) => files.IsEnabled ? Load(files) : null;

    /// <summary>This side's certificate, as the files hold it now.</summary>
    public X509Certificate2 Certificate => Current().Certificate;

    /// <summary>Null when <paramref name="remote"/> chains to the CA files' certificates (and is valid now); else why not, in a few words.</summary>
    public string? WhyUntrusted(X509Certificate2 remote, X509Chain? presented = null) => Untrusted(remote, Current().Authorities, presented);

    private static string? Untrusted(X509Certificate2 remote, X509Certificate2Collection authorities, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the peer sent along with its certificate.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (chain.Build(remote))
        {
            return null;
        }
        var reasons = chain.ChainStatus.Select(s => s.Status switch
        {
            X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => "not signed by the CA in --tls-ca",
            X509ChainStatusFlags.NotTimeValid => "expired or not yet valid",
            _ => s.StatusInformation.Trim(),
        }).Distinct();
        return $"{remote.Subject} (issued by {remote.Issuer}): {string.Join("; ", reasons)}";
    }

    /// <summary>Sets Orleans' TLS options: this identity on both ends of every link, a certificate required from the peer, checked by <see cref="WhyUntrusted"/>.</summary>
    public void Configure(TlsOptions options)
    {
        options.LocalCertificate = Certificate;
        options.LocalServerCertificateSelector = (_, _) => Certificate;
        options.LocalClientCertificateSelector = (_, _, _, _, _) => Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, chain, _) => WhyUntrusted(certificate, chain) is null;
        if (!OperatingSystem.IsWindows())
        {
            PreferAes128(options);
        }
    }

    /// <summary>
    /// AES-128-GCM first: a sharded k-means round sends megabytes of centres over these links, and it is the cheapest
    /// strong cipher on processors with AES instructions (OpenSSL's own order puts AES-256 first). Both ends are Grid.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    private static void PreferAes128(TlsOptions options)
    {
        var suites = new CipherSuitesPolicy(
        [
            TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ]);
        options.OnAuthenticateAsServer = (_, tls) => ((SslServerAuthenticationOptions)tls.SslServerAuthenticationOptions).CipherSuitesPolicy = suites;
        options.OnAuthenticateAsClient = (_, tls) => ((SslClientAuthenticationOptions)tls.SslClientAuthenticationOptions).CipherSuitesPolicy = suites;
    }

    private Identity Current() => _identity.Current;

    private static Identity Read(TlsFiles files)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(files.Cert!, files.Key!);
        }
        // A key of another certificate is an ArgumentException; what is not PEM at all, a CryptographicException.
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"--tls-cert {files.Cert} with --tls-key {files.Key}: not a PEM certificate and its private key ({e.Message.TrimEnd('.')})");
        }
        var now = DateTime.Now;
        if (now > certificate.NotAfter || now < certificate.NotBefore)
        {
            throw new ArgumentException($"--tls-cert {files.Cert}: {certificate.Subject} is valid from {certificate.NotBefore:u} to {certificate.NotAfter:u}, not now");
        }
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(files.Ca!);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"--tls-ca {files.Ca}: not PEM certificates ({e.Message.TrimEnd('.')})");
        }
        if (authorities.Count == 0)
        {
            throw new ArgumentException($"--tls-ca {files.Ca}: holds no PEM certificate");
        }
        // Peers check this side's certificate against the same CA: say so now rather than be refused by every one of them.
        if (Untrusted(certificate, authorities, presented: null) is { } untrusted)
        {
            throw new ArgumentException($"--tls-cert {files.Cert} is not trusted by --tls-ca {files.Ca}, so every peer would refuse it: {untrusted}");
        }
        return new Identity(certificate, authorities);
    }
}
