using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Grid.Client.Commands;
using Grid.Silo.Hosting;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Grid.Deploy.Tests;

/// <summary>
/// One kustomization rendered with <c>kubectl kustomize</c> (the kubectl on PATH) and every object loaded
/// with the typed models of the KubernetesClient package. Renders are cached: each folder renders once per run.
/// </summary>
public sealed partial class Rendered
{
    /// <summary>The kustomizations under deploy/k8s a user applies: the overlays and the sweep Job.</summary>
    public static readonly string[] Deployable = ["overlays/dev", "overlays/gpu", "sweep"];

    /// <summary>The overlays that run a grid.</summary>
    public static readonly string[] Overlays = ["overlays/dev", "overlays/gpu"];

    private static readonly ConcurrentDictionary<string, Lazy<Rendered>> Cache = new();

    private static readonly Dictionary<string, Type> CustomTypes = new()
    {
        [ScaledObject.TypeKey] = typeof(ScaledObject),
        [ServiceMonitor.TypeKey] = typeof(ServiceMonitor),
        [Issuer.TypeKey] = typeof(Issuer),
        [Certificate.TypeKey] = typeof(Certificate),
    };

    private Rendered(string folder, string yaml, IReadOnlyList<object> objects)
    {
        Folder = folder;
        Yaml = yaml;
        Objects = objects;
    }

    /// <summary>The kustomization's folder, relative to deploy/k8s.</summary>
    public string Folder { get; }

    public string Yaml { get; }

    public IReadOnlyList<object> Objects { get; }

    public static Rendered Of(string folder) => Cache.GetOrAdd(folder, f => new Lazy<Rendered>(() => Render(f))).Value;

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        All<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{Folder}: no {typeof(T).Name} named {name}");

    /// <summary>Every pod template: Deployments, StatefulSets and Jobs, with the workload's kind and name.</summary>
    public IEnumerable<(string Workload, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template)))
            .Concat(All<V1Job>().Select(j => ($"Job/{j.Metadata.Name}", j.Spec.Template)));

    /// <summary>The silo Deployments (the pods that run <c>grid silo</c>).</summary>
    public IEnumerable<V1Deployment> Silos() =>
        All<V1Deployment>().Where(d => d.Spec.Template.Spec.Containers.Any(c => c.Args?.FirstOrDefault() == "silo"));

    public static V1Container SiloContainer(V1Deployment deployment) =>
        deployment.Spec.Template.Spec.Containers.Single(c => c.Args?.FirstOrDefault() == "silo");

    /// <summary>True when <paramref name="selector"/> (matchLabels; matchExpressions are not used here) selects <paramref name="labels"/>.</summary>
    public static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is not null && selector.All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public static bool Selects(V1LabelSelector selector, IDictionary<string, string>? labels)
    {
        Assert.True(selector.MatchExpressions is null || selector.MatchExpressions.Count == 0, "matchExpressions are not expected in these manifests");
        return Selects(selector.MatchLabels ?? new Dictionary<string, string>(), labels);
    }

    /// <summary>
    /// The environment the kubelet gives <paramref name="container"/>: envFrom ConfigMaps (from this render),
    /// then env in order with <c>$(VAR)</c> expanded from what precedes it; downward API fields get
    /// stand-in values (the pod's IP is <paramref name="podIp"/>), and a Secret's key its value where this render
    /// makes the Secret (the dev overlay), else <see cref="SecretStandIn"/>.
    /// </summary>
    public Dictionary<string, string> Environment(V1Container container, string podName = "grid-pod-0", string podIp = "10.1.2.3")
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            Assert.NotNull(source.ConfigMapRef);
            var map = Single<V1ConfigMap>(source.ConfigMapRef.Name);
            foreach (var (key, value) in map.Data ?? new Dictionary<string, string>())
            {
                env[key] = value;
            }
        }
        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom?.FieldRef is { } field)
            {
                env[variable.Name] = field.FieldPath switch
                {
                    "metadata.name" => podName,
                    "metadata.namespace" => Namespace,
                    "status.podIP" => podIp,
                    _ => throw new Xunit.Sdk.XunitException($"{Folder}: unexpected fieldRef {field.FieldPath}"),
                };
                continue;
            }
            if (variable.ValueFrom?.SecretKeyRef is { } secret)
            {
                env[variable.Name] = SecretValue(secret.Name, secret.Key) ?? SecretStandIn(secret.Name, secret.Key);
                continue;
            }
            Assert.True(variable.ValueFrom is null, $"{Folder}: {variable.Name} comes from an unexpected source");
            env[variable.Name] = VariableReference().Replace(variable.Value ?? "", m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        }
        return env;
    }

    /// <summary>What <see cref="Environment"/> gives for key <paramref name="key"/> of a Secret the cluster's operator creates.</summary>
    public static string SecretStandIn(string name, string key) => $"stand-in-for-{name}-{key}";

    /// <summary>Key <paramref name="key"/> of the Secret <paramref name="name"/> this render makes, or null.</summary>
    public string? SecretValue(string name, string key) =>
        All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == name)?.Data?.TryGetValue(key, out var bytes) == true
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : null;

    /// <summary>What <c>grid silo ARGS</c> would run with in the environment this render gives <paramref name="container"/> (the real binding).</summary>
    public GridSiloOptions SiloSettings(V1Container container) =>
        SiloCommands.SiloSettings(container.Args.Skip(1).ToList(), Configuration(Environment(container)));

    /// <summary>The volume mount of <paramref name="container"/> that <paramref name="path"/> is on (the deepest), or null.</summary>
    public static V1VolumeMount? MountOf(V1Container container, string path) =>
        (container.VolumeMounts ?? []).Where(m => path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal)).MaxBy(m => m.MountPath.Length);

    /// <summary>A pod's containers, init containers included.</summary>
    public static IEnumerable<V1Container> Containers(V1PodTemplateSpec template) =>
        template.Spec.Containers.Concat(template.Spec.InitContainers ?? []);

    /// <summary>
    /// <paramref name="environment"/> as .NET configuration sees it: <c>A__B</c> is <c>A:B</c>, and
    /// <c>DOTNET_X</c> is also <c>X</c> (the host's prefix), as in the silo's process.
    /// </summary>
    public static IConfiguration Configuration(IReadOnlyDictionary<string, string> environment)
    {
        var pairs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in environment)
        {
            pairs[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }
        foreach (var (key, value) in environment.Where(kv => kv.Key.StartsWith("DOTNET_", StringComparison.Ordinal)))
        {
            pairs[key["DOTNET_".Length..].Replace("__", ":", StringComparison.Ordinal)] = value;
        }
        return new ConfigurationBuilder().AddInMemoryCollection(pairs).Build();
    }

    /// <summary>The namespace every namespaced object of this render is in.</summary>
    public string Namespace => Objects.OfType<IKubernetesObject<V1ObjectMeta>>()
        .Where(o => o is not V1Namespace)
        .Select(o => o.Metadata.NamespaceProperty)
        .Distinct()
        .Single();

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();

    private static readonly Lazy<string> KubectlChecked = new(CheckKubectl);

    /// <summary>The overlays use kustomize v5 (labels, components, replacements): kubectl ≥ 1.27 has it, Debian 12's 1.20 does not.</summary>
    private static string CheckKubectl()
    {
        string version = Run("kubectl", ["version", "--client"], "kubectl version --client");
        var kustomize = KustomizeVersion().Match(version);
        if (!kustomize.Success || int.Parse(kustomize.Groups[1].Value) < 5)
        {
            throw new InvalidOperationException(
                $"deploy/k8s needs kubectl with kustomize v5 or later (kubectl ≥ 1.27); this one says: {version.Trim()}");
        }
        return version;
    }

    [GeneratedRegex(@"Kustomize Version: v(\d+)")]
    private static partial Regex KustomizeVersion();

    private static Rendered Render(string folder)
    {
        _ = KubectlChecked.Value;
        string yaml = Run("kubectl", ["kustomize", Repository.PathOf("deploy", "k8s", folder)], $"kubectl kustomize {folder}");
        // strict: a field the typed model does not know (a typo such as `readinesProbe`) fails the load.
        var objects = KubernetesYaml.LoadAllFromString(yaml, CustomTypes, strict: true);
        return new Rendered(folder, yaml, objects);
    }

    private static string Run(string file, string[] arguments, string what)
    {
        // A missing kubectl fails to start with a message naming it and scripts/setup.sh, which installs it where Debian can.
        var (code, stdout, stderr) = ExternalProcess.Run(TimeSpan.FromMinutes(1), file, arguments);
        return code == 0 ? stdout : throw new InvalidOperationException($"{what} failed (exit {code}): {stderr}");
    }
}
