using System.CommandLine;
using Grid.Silo.Hosting;

namespace Grid.Client.Commands;

/// <summary>
/// <c>--tls-cert</c>, <c>--tls-key</c> and <c>--tls-ca</c>: the same three options on <c>grid silo</c> and on every command
/// that connects to a cluster, for mutual TLS on Orleans' links (see <see cref="ClusterCertificates"/>).
/// </summary>
public sealed record TlsOptionSet(Option<string?> Cert, Option<string?> Key, Option<string?> Ca)
{
    /// <summary>The environment variables the console's defaults come from (a silo's come from <c>Grid__Silo__Tls__*</c>).</summary>
    public const string CertVariable = "GRID_TLS_CERT", KeyVariable = "GRID_TLS_KEY", CaVariable = "GRID_TLS_CA";

    /// <param name="who">Whose certificate it is, for the help text ("this silo", "this client").</param>
    /// <param name="defaults">The files an option not given stands for.</param>
    public static TlsOptionSet Create(string who, TlsFiles defaults) => new(
        new Option<string?>("--tls-cert") { Description = $"PEM certificate of {who}, signed by the cluster's CA: mutual TLS with the silos (with --tls-key and --tls-ca)", DefaultValueFactory = _ => defaults.Cert, HelpName = "FILE" },
        new Option<string?>("--tls-key") { Description = $"PEM private key of {who}'s --tls-cert", DefaultValueFactory = _ => defaults.Key, HelpName = "FILE" },
        new Option<string?>("--tls-ca") { Description = "PEM certificate(s) of the cluster's CA: only peers with a certificate it signed are accepted", DefaultValueFactory = _ => defaults.Ca, HelpName = "FILE" });

    /// <summary>The console's options, their defaults from <c>GRID_TLS_CERT</c>, <c>GRID_TLS_KEY</c> and <c>GRID_TLS_CA</c>.</summary>
    public static TlsOptionSet ForClient() => Create("this client", new TlsFiles
    {
        Cert = Environment.GetEnvironmentVariable(CertVariable),
        Key = Environment.GetEnvironmentVariable(KeyVariable),
        Ca = Environment.GetEnvironmentVariable(CaVariable),
    });

    public void AddTo(Command command)
    {
        command.Options.Add(Cert);
        command.Options.Add(Key);
        command.Options.Add(Ca);
    }

    public TlsFiles Read(ParseResult parse) => new() { Cert = parse.GetValue(Cert), Key = parse.GetValue(Key), Ca = parse.GetValue(Ca) };
}
