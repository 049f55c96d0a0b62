using System.Security.Cryptography;
using Grid.Silo.Hosting;
using k8s.Models;

namespace Grid.Deploy.Tests;

/// <summary>
/// Throwaway stand-ins, on this machine, for the Secrets a silo's manifest mounts: where its TLS settings point, a
/// certificate and key from a throwaway CA (with the CA's certificate); where its token file is, a read and a write token.
/// Each mounted Secret becomes a <see cref="SecretVolume"/> (the kubelet's layout) holding the files under the names the
/// manifest uses, and the settings are pointed at them.
/// </summary>
public sealed class LocalSecrets : IDisposable
{
    private readonly TempDirectory _work = new("grid-deploy-secrets-");
    private readonly V1Container _container;
    private readonly Dictionary<string, SecretVolume> _volumes = [];

    private LocalSecrets(V1Container container) => _container = container;

    public string ReadToken { get; private set; } = NewToken();

    public string WriteToken { get; private set; } = NewToken();

    /// <summary>
    /// Writes stand-ins for the files <paramref name="settings"/> name (as <paramref name="container"/> mounts them) and
    /// points <paramref name="settings"/> at them; fails when a file is on no volume of the container.
    /// </summary>
    public static LocalSecrets For(GridSiloOptions settings, V1Container container)
    {
        var secrets = new LocalSecrets(container);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (settings.Tls.IsEnabled)
        {
            using var authority = CertificateAuthority.Create(secrets._work.File("ca"));
            var issued = authority.Issue("silo");
            files[settings.Tls.Cert!] = File.ReadAllText(issued.Cert!);
            files[settings.Tls.Key!] = File.ReadAllText(issued.Key!);
            files[settings.Tls.Ca!] = File.ReadAllText(issued.Ca!);
        }
        if (!string.IsNullOrWhiteSpace(settings.ApiTokensFile))
        {
            files[settings.ApiTokensFile] = secrets.TokensFile();
        }
        foreach (var mount in files.GroupBy(f => secrets.MountOf(f.Key).MountPath))
        {
            secrets.Volume(mount.Key).Write(mount.ToDictionary(f => Path.GetFileName(f.Key), f => f.Value));
        }
        if (settings.Tls.IsEnabled)
        {
            settings.Tls = new TlsFiles { Cert = secrets.Local(settings.Tls.Cert!), Key = secrets.Local(settings.Tls.Key!), Ca = secrets.Local(settings.Tls.Ca!) };
        }
        if (!string.IsNullOrWhiteSpace(settings.ApiTokensFile))
        {
            settings.ApiTokensFile = secrets.Local(settings.ApiTokensFile);
        }
        return secrets;
    }

    /// <summary>New tokens in the token file <paramref name="manifestPath"/> (as an operator's <c>kubectl apply</c> of the Secret would put them).</summary>
    public void RotateTokens(string manifestPath)
    {
        ReadToken = NewToken();
        WriteToken = NewToken();
        Volume(MountOf(manifestPath).MountPath).Write(new Dictionary<string, string> { [Path.GetFileName(manifestPath)] = TokensFile() });
    }

    public void Dispose() => _work.Dispose();

    private string TokensFile() => $"read:{ReadToken}\nwrite:{WriteToken}\n";

    /// <summary>As an operator makes one: <c>openssl rand -hex 32</c>.</summary>
    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private V1VolumeMount MountOf(string path)
    {
        var mount = Rendered.MountOf(_container, path);
        Assert.True(mount is not null, $"container {_container.Name}: {path} is on none of its volumes");
        Assert.Equal(mount.MountPath, Path.GetDirectoryName(path));
        return mount;
    }

    private SecretVolume Volume(string mountPath)
    {
        if (!_volumes.TryGetValue(mountPath, out var volume))
        {
            volume = new SecretVolume(_work.File("volumes", mountPath.Trim('/').Replace('/', '_')));
            _volumes[mountPath] = volume;
        }
        return volume;
    }

    private string Local(string manifestPath) => Volume(MountOf(manifestPath).MountPath).PathOf(Path.GetFileName(manifestPath));
}
