using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace Grid.Deploy.Tests;

// Typed models for the custom resources the manifests use (KEDA, the Prometheus Operator, cert-manager): every
// field the manifests set (the loader is strict, so a misspelt field fails), typed where the tests read it.

/// <summary>What every custom resource has: its type, its metadata and its spec.</summary>
public abstract class CustomResource<TSpec> : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();
}

/// <summary>KEDA's <c>keda.sh/v1alpha1</c> ScaledObject.</summary>
public sealed class ScaledObject : CustomResource<ScaledObjectSpec>
{
    public const string TypeKey = "keda.sh/v1alpha1/ScaledObject";
}

public sealed class ScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")]
    public ScaleTarget ScaleTargetRef { get; set; } = new();

    [JsonPropertyName("minReplicaCount")]
    public int? MinReplicaCount { get; set; }

    [JsonPropertyName("maxReplicaCount")]
    public int? MaxReplicaCount { get; set; }

    [JsonPropertyName("pollingInterval")]
    public int? PollingInterval { get; set; }

    [JsonPropertyName("cooldownPeriod")]
    public int? CooldownPeriod { get; set; }

    /// <summary>The HPA's behaviour and the like, untyped.</summary>
    [JsonPropertyName("advanced")]
    public Dictionary<string, object>? Advanced { get; set; }

    [JsonPropertyName("triggers")]
    public List<ScaleTrigger> Triggers { get; set; } = [];
}

public sealed class ScaleTarget
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

public sealed class ScaleTrigger
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("metadata")]
    public Dictionary<string, string> Metadata { get; set; } = [];
}

/// <summary>The Prometheus Operator's <c>monitoring.coreos.com/v1</c> ServiceMonitor.</summary>
public sealed class ServiceMonitor : CustomResource<ServiceMonitorSpec>
{
    public const string TypeKey = "monitoring.coreos.com/v1/ServiceMonitor";
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("jobLabel")]
    public string? JobLabel { get; set; }

    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    [JsonPropertyName("endpoints")]
    public List<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")]
    public string? Port { get; set; }

    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }
}

/// <summary>cert-manager's <c>cert-manager.io/v1</c> Issuer: self-signed, or a CA whose key pair is in a Secret.</summary>
public sealed class Issuer : CustomResource<IssuerSpec>
{
    public const string TypeKey = "cert-manager.io/v1/Issuer";
}

public sealed class IssuerSpec
{
    /// <summary>Present (empty) for a self-signed issuer.</summary>
    [JsonPropertyName("selfSigned")]
    public Dictionary<string, object>? SelfSigned { get; set; }

    [JsonPropertyName("ca")]
    public CaIssuer? Ca { get; set; }
}

public sealed class CaIssuer
{
    /// <summary>The Secret holding the CA's <c>tls.crt</c> and <c>tls.key</c>.</summary>
    [JsonPropertyName("secretName")]
    public string SecretName { get; set; } = "";
}

/// <summary>cert-manager's <c>cert-manager.io/v1</c> Certificate: what it issues, and the Secret it keeps it in (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>).</summary>
public sealed class Certificate : CustomResource<CertificateSpec>
{
    public const string TypeKey = "cert-manager.io/v1/Certificate";
}

public sealed class CertificateSpec
{
    [JsonPropertyName("secretName")]
    public string SecretName { get; set; } = "";

    // The YAML loader derives names from the C# names (camelCase), which would give isCa.
    [JsonPropertyName("isCA")]
    [YamlMember(Alias = "isCA", ApplyNamingConventions = false)]
    public bool? IsCa { get; set; }

    [JsonPropertyName("commonName")]
    public string? CommonName { get; set; }

    [JsonPropertyName("dnsNames")]
    public List<string>? DnsNames { get; set; }

    /// <summary>A Go duration (<c>2160h</c>).</summary>
    [JsonPropertyName("duration")]
    public string? Duration { get; set; }

    [JsonPropertyName("renewBefore")]
    public string? RenewBefore { get; set; }

    [JsonPropertyName("privateKey")]
    public CertificatePrivateKey? PrivateKey { get; set; }

    [JsonPropertyName("usages")]
    public List<string>? Usages { get; set; }

    [JsonPropertyName("issuerRef")]
    public IssuerReference IssuerRef { get; set; } = new();
}

public sealed class CertificatePrivateKey
{
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; set; }

    [JsonPropertyName("size")]
    public int? Size { get; set; }

    [JsonPropertyName("rotationPolicy")]
    public string? RotationPolicy { get; set; }
}

public sealed class IssuerReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}
