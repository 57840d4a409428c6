using Bucketfs.Cli.Credentials;
using Bucketfs.Cli.Mount;
using Bucketfs.ObjectStore;
using Bucketfs.ObjectStore.S3;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Stores;

/// <summary>An S3 bucket (AWS or an S3-compatible store) with the credentials <see cref="CredentialResolver"/> found.</summary>
internal sealed class S3Target(BucketSource source, ResolvedCredentials credentials, S3StoreOptions options) : StoreTarget(source, credentials.Source)
{
    private S3StoreOptions _options = options;

    /// <summary>
    /// The store as it was asked: with virtual-host addressing the host is BUCKET.HOST, which an
    /// S3-compatible store often does not answer to, so the message names it and the way out.
    /// </summary>
    public override string Where => _options.Endpoint switch
    {
        null => "AWS S3",
        // The SDK addresses a store named by its IP address in the path whatever the style.
        { } endpoint when !_options.PathStyle && endpoint.HostNameType == UriHostNameType.Dns =>
            $"{new UriBuilder(endpoint) { Host = _options.Bucket + "." + endpoint.Host }.Uri} (virtual-host style for {endpoint}; " +
            "use --force-path-style or -o use_path_request_style if the store answers only at its own address)",
        { } endpoint => endpoint.ToString(),
    };

    public override string Noun => "bucket";

    public override string Place => _options.Endpoint?.Authority ?? "aws";

    public override async Task<IObjectStore> OpenAsync(bool probe, TimeSpan bound, CancellationToken cancellation)
    {
        // On AWS a client signed for the wrong region is refused: the bucket's own is asked first.
        if (_options.Region is null)
            _options = _options with { Region = await S3ObjectStore.DetectRegionAsync(_options, cancellation).ConfigureAwait(false) };
        return new S3ObjectStore(probe ? _options with { MaxRetries = 1, CallTimeout = bound, AttemptTimeout = bound } : _options);
    }

    public static S3Target Create(StoreRequest r, ILogger log)
    {
        var credentials = CredentialResolver.Resolve(r.Credentials());
        return new S3Target(r.Source, credentials, r.Calls(new S3StoreOptions
        {
            Bucket = r.Source.Bucket,
            Prefix = r.Source.Prefix,
            Endpoint = r.Endpoint,
            Region = r.Region,
            PathStyle = r.PathStyle,
            Credentials = credentials.Credentials,
            Writes = r.Writes,
            ExpectContinue = r.ExpectContinue,
        }, log));
    }
}
