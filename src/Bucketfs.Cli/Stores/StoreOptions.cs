using System.CommandLine;
using Bucketfs.Cli.Mount;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// The options that say where a store is and how to reach it, declared once for every command that
/// takes a store location (mount, copy, sync, changes) and read into the <see cref="StoreRequest"/>
/// that <see cref="StoreFactory"/> turns into a store. mount's s3fs-style -o options set the same
/// fields with the same value parsers.
/// </summary>
internal sealed class StoreOptions(bool writes)
{
    private readonly Option<string?> _endpointUrl = new("--endpoint-url") { Description = "The store's URL (S3-compatible stores); AWS when absent" };
    private readonly Option<string?> _region = new("--region") { Description = "Signing region; detected from the bucket on AWS" };
    private readonly Option<bool> _pathStyle = new("--force-path-style") { Description = "Address the bucket in the URL path, not the host name" };
    private readonly Option<string?> _profile = new("--profile") { Description = "Profile of ~/.aws/credentials or ~/.aws/config" };
    private readonly Option<string?> _passwdFile = new("--passwd-file") { Description = "s3fs passwd file: ACCESS:SECRET or BUCKET:ACCESS:SECRET lines, mode 600" };
    private readonly Option<bool> _noSign = new("--no-sign-request") { Description = "Send unsigned requests (public buckets)" };
    private readonly Option<string?> _caBundle = new("--ca-bundle") { Description = "PEM file of the CAs to trust for an https store, instead of the machine's (also AWS_CA_BUNDLE, a profile's ca_bundle)" };
    private readonly Option<bool> _noCheckCertificate = new("--no-check-certificate") { Description = "Accept any certificate of an https store (s3fs's -o no_check_certificate)" };
    private readonly Option<string?> _proxy = new("--proxy") { Description = "HTTP proxy for every request, http://[USER:PASSWORD@]HOST:PORT (s3fs's -o proxy=; else https_proxy)" };
    private readonly Option<string?> _connectTimeout = new("--connect-timeout") { Description = "Seconds to wait for a connection to the store (s3fs's -o connect_timeout=)" };
    private readonly Option<string?> _retries = new("--retries") { Description = "Retries of a failed request (default 5; s3fs's -o retries=)" };
    private readonly Option<bool> _requesterPays = new("--requester-pays") { Description = "Send x-amz-request-payer: requester (S3; s3fs's -o requester_pays)" };
    private readonly Option<string?> _storageClass = new("--storage-class") { Description = "Storage class of every object written (S3; s3fs's -o storage_class=)" };
    private readonly Option<string?> _sse = new("--sse") { Description = "Server-side encryption of what is written and read (S3): 1 (SSE-S3), kmsid[:ID], custom:KEYFILE, as s3fs's -o use_sse=" };
    private readonly Option<string?> _acl = new("--acl") { Description = "Canned ACL of every object written, like private (S3; s3fs's -o default_acl=)" };
    private readonly OpenStackOptions _openStack = new();

    public void AttachTo(Command command)
    {
        Option[] access = [_endpointUrl, _region, _pathStyle, _profile, _passwdFile, _noSign, _caBundle, _noCheckCertificate, _proxy, _connectTimeout, _retries, _requesterPays];
        foreach (var option in access) command.Options.Add(option);
        if (writes)
        {
            foreach (var option in new Option[] { _storageClass, _sse, _acl }) command.Options.Add(option);
        }
        _openStack.AttachTo(command);
    }

    /// <summary>What the options say about reaching <paramref name="source"/>, with this process's environment and home.</summary>
    public StoreRequest Read(ParseResult r, BucketSource source)
    {
        var writePolicy = new Bucketfs.ObjectStore.S3.S3WritePolicy { RequesterPays = r.GetValue(_requesterPays) };
        if (writes)
        {
            if (r.GetValue(_storageClass) is { } storageClass) writePolicy = writePolicy with { StorageClass = OptionValues.StorageClass(_storageClass.Name, storageClass) };
            if (r.GetValue(_acl) is { } acl) writePolicy = writePolicy with { CannedAcl = OptionValues.CannedAcl(_acl.Name, acl) };
            if (r.GetValue(_sse) is { } sse) writePolicy = SseOption.Apply(writePolicy, _sse.Name, sse);
        }
        return new StoreRequest(source, CurrentEnvironment(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile))
        {
            Endpoint = r.GetValue(_endpointUrl) is { } url ? OptionValues.Url(_endpointUrl.Name, url) : null,
            Region = r.GetValue(_region) is { } region ? OptionValues.Region(_region.Name, region) : null,
            PathStyle = r.GetValue(_pathStyle),
            Profile = r.GetValue(_profile),
            PasswdFile = r.GetValue(_passwdFile),
            NoSignRequest = r.GetValue(_noSign),
            CaBundle = r.GetValue(_caBundle),
            CheckCertificate = !r.GetValue(_noCheckCertificate),
            Proxy = r.GetValue(_proxy) is { } proxy ? OptionValues.Proxy(_proxy.Name, proxy) : null,
            ConnectTimeout = r.GetValue(_connectTimeout) is { } connect ? OptionValues.Seconds(_connectTimeout.Name, connect) : null,
            Retries = r.GetValue(_retries) is { } retries ? OptionValues.Whole(_retries.Name, retries) : null,
            Writes = writePolicy,
            OpenStack = _openStack.Settings(r),
            Cloud = _openStack.Cloud(r),
            RcloneConfig = _openStack.RcloneConfig(r),
        };
    }

    internal static IReadOnlyDictionary<string, string?> CurrentEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            variables[(string)entry.Key] = entry.Value as string;
        return variables;
    }
}
