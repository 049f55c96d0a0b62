using System.Text.RegularExpressions;
using Grid.Client.Commands;
using k8s.Models;

namespace Grid.Deploy.Tests;

/// <summary>
/// Secrets on Kubernetes: no container gets one through a plain value (environment, arguments, probes, ConfigMaps); Redis
/// requires a password from a Secret and keeps protected mode, and the silos, its probe and the sweep Job read the same
/// Secret; every Secret a pod needs is made by something (a Certificate, the dev overlay, or a command in the README);
/// only the dev overlay carries values, and they say they are not secret.
/// </summary>
public sealed partial class SecretTests
{
    public static TheoryData<string> Deployable() => new(Rendered.Deployable);

    public static TheoryData<string> Overlays() => new(Rendered.Overlays);

    [Theory]
    [MemberData(nameof(Deployable))]
    public void No_container_gets_a_secret_through_a_plain_value(string folder)
    {
        var rendered = Rendered.Of(folder);
        var problems = rendered.PodTemplates()
            .SelectMany(t => Rendered.Containers(t.Template).SelectMany(c => PlainSecrets(rendered, c).Select(p => $"{folder} {t.Workload} container {c.Name}: {p}")))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The check above finds what it is for: each of these containers hands a secret over in plain text.</summary>
    [Theory]
    [InlineData("env", "Grid__Silo__RedisPassword", "hunter2-hunter2")]
    [InlineData("env", "GRID_TLS_KEY", "/etc/grid/tls/tls.key")]
    [InlineData("env", "Grid__Silo__Redis", "grid-redis:6379,password=hunter2")]
    [InlineData("env", "Grid__Silo__ApiTokens", "read:0123456789abcdef0123456789abcdef")]
    [InlineData("args", "--redis", "grid-redis:6379,password=hunter2")]
    [InlineData("args", "--requirepass", "hunter2")]
    [InlineData("args", "--token", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("configmap", "REDIS_PASSWORD", "$(X)")]
    public void The_check_finds_a_secret_in_plain_text(string where, string name, string value)
    {
        var map = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { [name] = value } };
        var container = where switch
        {
            "env" => new V1Container { Name = "c", Env = [new V1EnvVar { Name = name, Value = value }] },
            "args" => new V1Container { Name = "c", Args = ["redis-server", name, value] },
            _ => new V1Container { Name = "c", EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" } }] },
        };
        Assert.NotEmpty(PlainSecrets(map, container));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Redis_requires_a_password_from_a_secret_in_protected_mode_and_its_probe_and_clients_use_the_same_secret(string folder)
    {
        var rendered = Rendered.Of(folder);
        var redis = Assert.Single(rendered.Single<V1StatefulSet>("grid-redis").Spec.Template.Spec.Containers);
        var args = (redis.Command ?? []).Concat(redis.Args ?? []).ToList();
        Assert.Equal("yes", After(args, "--protected-mode"));
        var password = Reference(redis, After(args, "--requirepass"), "--requirepass");

        // The readiness probe authenticates: redis-cli reads REDISCLI_AUTH, from the same Secret.
        Assert.Contains("redis-cli", string.Join(" ", redis.ReadinessProbe.Exec.Command));
        Assert.Equal(password, SecretOf(redis, "REDISCLI_AUTH"));

        // Every silo gives the same Secret's key as Grid__Silo__RedisPassword, and `grid silo` then connects with a password.
        foreach (var silo in rendered.Silos())
        {
            var container = Rendered.SiloContainer(silo);
            var settings = rendered.SiloSettings(container);
            Assert.Equal(password, SecretOf(container, "Grid__Silo__RedisPassword"));
            Assert.Equal(rendered.SecretValue(password.Name, password.Key) ?? Rendered.SecretStandIn(password.Name, password.Key), settings.RedisPassword);
            Assert.True(settings.RedisTarget()!.HasPassword, $"{folder} {silo.Metadata.Name}: no Redis password");
            Assert.DoesNotContain("password", settings.Redis, StringComparison.OrdinalIgnoreCase);
        }

        // The sweep Job too, through the variable the console reads.
        var job = Assert.Single(Rendered.Of("sweep").All<V1Job>());
        Assert.Equal(password, SecretOf(Assert.Single(job.Spec.Template.Spec.Containers), ClusterConnection.RedisPasswordVariable));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_secret_a_pod_reads_is_made_by_a_certificate_the_overlay_or_a_command_in_the_readme(string folder)
    {
        var rendered = Rendered.Of(folder);
        var documented = DocumentedSecrets();
        var written = rendered.All<Certificate>().Select(c => c.Spec.SecretName).ToHashSet();
        var templates = rendered.PodTemplates().Concat(Rendered.Of("sweep").PodTemplates()).ToList();
        foreach (var (workload, template) in templates)
        {
            var needs = Rendered.Containers(template)
                .SelectMany(c => (c.Env ?? []).Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => (e.ValueFrom.SecretKeyRef.Name, Key: e.ValueFrom.SecretKeyRef.Key)))
                .Concat(SecretFiles(template))
                .Distinct();
            foreach (var (name, key) in needs)
            {
                string where = $"{folder}: {workload} reads key {key} of Secret {name}";
                if (written.Contains(name))
                {
                    Assert.True(CertificateTests.CertManagerFiles.Contains(key), $"{where}, which cert-manager does not write");
                }
                else if (rendered.All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == name) is { } secret)
                {
                    Assert.True(secret.Data.ContainsKey(key), $"{where}, which the overlay's Secret lacks");
                }
                else
                {
                    Assert.True(documented.Contains((name, key)), $"{where}: no Certificate or generator makes it, and deploy/k8s/README.md has no `kubectl create secret` for it");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Deployable))]
    public void Only_the_dev_overlay_carries_secret_values_and_they_say_they_are_not_secret(string folder)
    {
        var secrets = Rendered.Of(folder).All<V1Secret>().ToList();
        if (folder != "overlays/dev")
        {
            Assert.Empty(secrets);
            return;
        }
        // What the operator creates elsewhere, the dev overlay makes itself, so that it applies alone.
        Assert.Equal(DocumentedSecrets().Select(s => s.Name).Distinct().Order(), secrets.Select(s => s.Metadata.Name).Order());
        foreach (var secret in secrets)
        {
            Assert.All(secret.Data.Values, value => Assert.Contains("dev-only-not-secret", System.Text.Encoding.UTF8.GetString(value)));
        }
    }

    /// <summary>What in <paramref name="container"/> hands over a secret in plain text (empty when nothing does).</summary>
    private static List<string> PlainSecrets(Rendered rendered, V1Container container) =>
        PlainSecrets(name => rendered.Single<V1ConfigMap>(name), container);

    private static List<string> PlainSecrets(V1ConfigMap map, V1Container container) => PlainSecrets(_ => map, container);

    private static List<string> PlainSecrets(Func<string, V1ConfigMap> configMap, V1Container container)
    {
        var problems = new List<string>();
        foreach (var variable in container.Env ?? [])
        {
            if (SecretName().IsMatch(variable.Name) && variable.ValueFrom?.SecretKeyRef is null)
            {
                problems.Add($"env {variable.Name} is named for a secret and does not come from a Secret (valueFrom.secretKeyRef)");
            }
            if (variable.Value is { } value && Credential().IsMatch(value))
            {
                problems.Add($"env {variable.Name} holds what looks like a credential");
            }
        }
        foreach (var source in container.EnvFrom ?? [])
        {
            Assert.True(source.ConfigMapRef is not null, $"container {container.Name}: envFrom other than a ConfigMap");
            foreach (var (key, value) in configMap(source.ConfigMapRef.Name).Data ?? new Dictionary<string, string>())
            {
                if (SecretName().IsMatch(key) || Credential().IsMatch(value))
                {
                    problems.Add($"ConfigMap {source.ConfigMapRef.Name} (envFrom) holds {key}, a secret in a ConfigMap");
                }
            }
        }
        var commandLines = new (string What, IList<string>? Words)[] { ("command", container.Command), ("args", container.Args) }
            .Concat(new[] { container.ReadinessProbe, container.LivenessProbe, container.StartupProbe }.Select(p => ("probe", p?.Exec?.Command)));
        foreach (var (what, words) in commandLines)
        {
            if (words is null)
            {
                continue;
            }
            var list = words.ToList();
            if (list.Any(w => Credential().IsMatch(w)))
            {
                problems.Add($"{what} hold what looks like a credential");
            }
            // Redis' password only ever as $(VAR), the variable coming from a Secret.
            if (After(list, "--requirepass") is { } password &&
                !(VariableOnly().Match(password) is { Success: true } reference && container.Env?.SingleOrDefault(e => e.Name == reference.Groups[1].Value)?.ValueFrom?.SecretKeyRef is not null))
            {
                problems.Add($"{what}: --requirepass is given a value, not $(VAR) from a Secret");
            }
        }
        return problems;
    }

    /// <summary>(Secret, key) of the Secret volumes' files the pod's containers mount (all keys unless items are listed).</summary>
    private static IEnumerable<(string Name, string Key)> SecretFiles(V1PodTemplateSpec template)
    {
        foreach (var container in Rendered.Containers(template))
        {
            foreach (var mount in container.VolumeMounts ?? [])
            {
                // Mounts of a StatefulSet's volume claims have no pod volume.
                if (template.Spec.Volumes?.SingleOrDefault(v => v.Name == mount.Name)?.Secret is { } secret)
                {
                    var keys = secret.Items?.Select(i => i.Key) ?? FilesReadFrom(container, mount.MountPath);
                    foreach (string key in keys)
                    {
                        yield return (secret.SecretName, key);
                    }
                }
            }
        }
    }

    /// <summary>The files under <paramref name="mountPath"/> that the container's arguments name.</summary>
    private static IEnumerable<string> FilesReadFrom(V1Container container, string mountPath) =>
        (container.Args ?? []).SelectMany(a => a.Split('=', 2))
            .Where(a => a.StartsWith(mountPath + "/", StringComparison.Ordinal))
            .Select(a => a[(mountPath.Length + 1)..]);

    /// <summary>The Secrets deploy/k8s/README.md tells the operator to create: (name, key) of each <c>kubectl create secret generic</c>.</summary>
    private static HashSet<(string Name, string Key)> DocumentedSecrets()
    {
        string readme = File.ReadAllText(Repository.PathOf("deploy", "k8s", "README.md"));
        var secrets = new HashSet<(string, string)>();
        foreach (Match command in CreateSecret().Matches(readme))
        {
            foreach (Match key in FromKey().Matches(command.Groups["rest"].Value))
            {
                secrets.Add((command.Groups["name"].Value, key.Groups[1].Value));
            }
        }
        Assert.NotEmpty(secrets);
        return secrets;
    }

    /// <summary>(Secret, key) that <paramref name="container"/>'s variable <paramref name="name"/> comes from.</summary>
    private static (string Name, string Key) SecretOf(V1Container container, string name)
    {
        var reference = container.Env?.SingleOrDefault(e => e.Name == name)?.ValueFrom?.SecretKeyRef;
        Assert.True(reference is not null, $"container {container.Name}: {name} does not come from a Secret");
        return (reference.Name, reference.Key);
    }

    /// <summary>The Secret key behind <paramref name="value"/>, which must be <c>$(VAR)</c> with VAR from a Secret.</summary>
    private static (string Name, string Key) Reference(V1Container container, string? value, string what)
    {
        var reference = VariableOnly().Match(value ?? "");
        Assert.True(reference.Success, $"container {container.Name}: {what} is '{value}', not $(VAR)");
        return SecretOf(container, reference.Groups[1].Value);
    }

    private static string? After(IReadOnlyList<string> words, string option)
    {
        for (int i = 0; i < words.Count; i++)
        {
            if (words[i] == option)
            {
                return i + 1 < words.Count ? words[i + 1] : null;
            }
            if (words[i].StartsWith(option + "=", StringComparison.Ordinal))
            {
                return words[i][(option.Length + 1)..];
            }
        }
        return null;
    }

    /// <summary>Names that say a secret is inside.</summary>
    [GeneratedRegex("PASSWORD|TOKEN|SECRET|KEY|AUTH", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    /// <summary>
    /// Text that carries a credential: a Redis configuration's <c>password=</c>, a <c>ROLE:TOKEN</c> entry, or a long
    /// random-looking word (<c>openssl rand -hex 32</c>, base64).
    /// </summary>
    [GeneratedRegex(@"password=|\b(read|write):\S{16,}|[A-Za-z0-9_+=-]{32,}", RegexOptions.IgnoreCase)]
    private static partial Regex Credential();

    [GeneratedRegex(@"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$")]
    private static partial Regex VariableOnly();

    [GeneratedRegex(@"kubectl\b[^\n]*?\bcreate secret generic (?<name>[a-z0-9-]+)(?<rest>[^\n]*)")]
    private static partial Regex CreateSecret();

    [GeneratedRegex(@"--from-(?:literal|file)=([A-Za-z0-9._-]+)=")]
    private static partial Regex FromKey();
}
