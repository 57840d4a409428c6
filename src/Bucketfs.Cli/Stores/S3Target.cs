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

    public override string Where => _options.Endpoint?.ToString() ?? "AWS S3";

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
        var credentials = CredentialResolver.Resolve(new CredentialRequest(
            r.Source.Bucket, r.PasswdFile, r.Profile, r.NoSignRequest, r.HomeDirectory, r.Environment));
        return new S3Target(r.Source, credentials, new S3StoreOptions
        {
            Bucket = r.Source.Bucket,
            Prefix = r.Source.Prefix,
            Endpoint = r.Endpoint,
            Region = r.Region,
            PathStyle = r.PathStyle,
            Credentials = credentials.Credentials,
            // One attempt can never take the whole bound, so a retry always fits in it.
            AttemptTimeout = r.RequestTimeout / 3,
            StallTimeout = r.StallTimeout,
            CallTimeout = r.RequestTimeout,
            Meter = r.Meter,
            Log = log,
        });
    }
}
