using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Grid.Silo.Hosting;

/// <summary>
/// One TLS handshake with a silo or gateway port, to say in one line why Orleans could not connect there. Orleans itself
/// only logs failed handshakes on the side that refused them and retries until its join times out: a silo whose
/// certificate the cluster does not trust would wait minutes and end with a stack trace.
/// </summary>
public static class TlsProbe
{
    /// <summary>How long the connect, the handshake and the wait for a refusal each take at most.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The least time given to the handshake. A TLS port answers a ClientHello within a round trip; a plain Orleans port
    /// never does (it waits for the rest of what it takes for a preamble), so the handshake's wait is what a plain
    /// cluster's refusal costs: ten connect times, at least this, at most <see cref="Patience"/> (a wrong --cluster-id on
    /// loopback took 2 s longer to be told with the full wait).
    /// </summary>
    private static readonly TimeSpan MinimumHandshake = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Null when a connection with <paramref name="identity"/> to <paramref name="endpoint"/> is accepted (or nothing answers
    /// there: other checks say that); else why not. <paramref name="identity"/> null asks whether the port requires TLS.
    /// <paramref name="what"/> names the far side ("the silo at", "the gateway at"), <paramref name="self"/> this side.
    /// </summary>
    public static async Task<string?> ProblemAsync(IPEndPoint endpoint, ClusterCertificates? identity, string what, string self, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(endpoint.AddressFamily);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        var connecting = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await client.ConnectAsync(endpoint, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        bool spokeTls = false;
        string? untrusted = null;
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, certificate, chain, _) =>
        {
            spokeTls = certificate is not null;
            if (identity is null || certificate is null)
            {
                return true;
            }
            untrusted = identity.WhyUntrusted(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain);
            return untrusted is null;
        });
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = endpoint.Address.ToString(),
            ClientCertificates = identity is null ? null : [identity.Certificate],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        handshake.CancelAfter(TimeSpan.FromTicks(Math.Clamp(connecting.Elapsed.Ticks * 10, MinimumHandshake.Ticks, Patience.Ticks)));
        try
        {
            await tls.AuthenticateAsClientAsync(options, handshake.Token);
            if (identity is null)
            {
                return RequiresTls(endpoint, what, self);
            }
            // With TLS 1.3 the server checks this side's certificate after the client's part of the handshake has ended;
            // a refusal arrives as an alert (or a closed connection) on the first read. An accepted connection stays
            // open and quiet until this side speaks: a read that times out means accepted.
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            quiet.CancelAfter(Patience);
            var buffer = new byte[1];
            int read = await tls.ReadAsync(buffer, quiet.Token);
            return read == 0 ? Refused(endpoint, identity, what, self) : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return spokeTls || identity is null ? null : $"{what} {endpoint} did not complete a TLS handshake: is it a Grid silo with TLS on?";
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            if (identity is null)
            {
                return spokeTls ? RequiresTls(endpoint, what, self) : null;
            }
            if (untrusted is not null)
            {
                return $"{what} {endpoint} presented a certificate that --tls-ca does not trust, {untrusted}: it belongs to another cluster, or --tls-ca is not this cluster's CA";
            }
            return spokeTls
                ? Refused(endpoint, identity, what, self)
                : $"{what} {endpoint} does not speak TLS: that cluster runs without it (start {self} without --tls-cert, --tls-key and --tls-ca), or it is not a silo";
        }
    }

    private static string RequiresTls(IPEndPoint endpoint, string what, string self) =>
        $"{what} {endpoint} requires TLS: give {self} a certificate signed by the cluster's CA with --tls-cert, --tls-key and --tls-ca";

    private static string Refused(IPEndPoint endpoint, ClusterCertificates identity, string what, string self) =>
        $"{what} {endpoint} refused {self}'s certificate ({identity.Certificate.Subject}, issued by {identity.Certificate.Issuer}): " +
        "the cluster accepts only certificates signed by its own CA";
}
