using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Bucketfs.ObjectStore.Calls;

/// <summary>
/// Which store certificates are accepted: the machine's trust store, or only the CAs of a PEM
/// bundle (--ca-bundle, AWS_CA_BUNDLE, a profile's ca_bundle), for stores with an internal CA; and
/// s3fs's no_check_certificate and ssl_verify_hostname=0.
/// </summary>
public sealed record TlsTrust
{
    /// <summary>A PEM file of the CA certificates to trust instead of the machine's; null for the machine's.</summary>
    public string? CaBundle { get; init; }

    /// <summary>False accepts any certificate (s3fs's no_check_certificate).</summary>
    public bool CheckCertificate { get; init; } = true;

    /// <summary>False accepts a certificate issued for another host name (s3fs's ssl_verify_hostname=0).</summary>
    public bool CheckHostname { get; init; } = true;

    /// <summary>The CA certificates of <see cref="CaBundle"/>; throws when the file cannot be read or holds none.</summary>
    public X509Certificate2Collection LoadBundle()
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(CaBundle!);
        return bundle.Count > 0 ? bundle : throw new InvalidDataException($"{CaBundle} holds no PEM certificate");
    }

    /// <summary>The check a TLS handshake runs, or null when the platform's own is what was asked for.</summary>
    internal RemoteCertificateValidationCallback? Validation()
    {
        if (!CheckCertificate) return (_, _, _, _) => true;
        if (CaBundle is null && CheckHostname) return null;
        var roots = CaBundle is null ? null : LoadBundle();
        return (_, certificate, chain, errors) =>
        {
            if (!CheckHostname) errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
            if (roots is null || certificate is null) return errors == SslPolicyErrors.None;
            // The chain is built again against the bundle alone; only name and presence errors carry over.
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(roots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null) custom.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(e => e.Certificate).ToArray());
            bool trusted = custom.Build(new X509Certificate2(certificate));
            return trusted && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
        };
    }
}
