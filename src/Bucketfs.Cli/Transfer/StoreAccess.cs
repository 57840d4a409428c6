using System.CommandLine;
using Bucketfs.Cli.Credentials;
using Bucketfs.Cli.Mount;
using Bucketfs.ObjectStore.S3;
using Bucketfs.ObjectStore.Transfer;

namespace Bucketfs.Cli.Transfer;

/// <summary>
/// How a command reaches a store: the endpoint and credential options (`mount` reads them into its
/// settings), and for `copy`, `sync` and `changes` the side a location names, with the mount's
/// location forms and credential sources.
/// </summary>
internal sealed class StoreAccess
{
    public readonly Option<string?> EndpointUrl = new("--endpoint-url") { Description = "The store's URL (S3-compatible stores); AWS when absent" };
    public readonly Option<string?> Region = new("--region") { Description = "Signing region; detected from the bucket on AWS" };
    public readonly Option<bool> PathStyle = new("--force-path-style") { Description = "Address the bucket in the URL path, not the host name" };
    public readonly Option<string?> Profile = new("--profile") { Description = "Profile of ~/.aws/credentials or ~/.aws/config" };
    public readonly Option<string?> PasswdFile = new("--passwd-file") { Description = "s3fs passwd file: ACCESS:SECRET or BUCKET:ACCESS:SECRET lines, mode 600" };
    public readonly Option<bool> NoSign = new("--no-sign-request") { Description = "Send unsigned requests (public buckets)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { EndpointUrl, Region, PathStyle, Profile, PasswdFile, NoSign }) command.Options.Add(option);
    }

    /// <summary>A location with "://" is a store location (s3://BUCKET[/PREFIX]); anything else a local path.</summary>
    public static bool IsStore(string location) => location.Contains("://", StringComparison.Ordinal);

    /// <summary>The side <paramref name="location"/> names; <paramref name="connections"/> is how many requests may run at once.</summary>
    public ITransferSide Side(ParseResult r, string location, int connections)
    {
        if (!IsStore(location)) return new LocalSide(location.Length > 0 ? location : throw new UsageException("location '': expected a local path or s3://BUCKET[/PREFIX]"));
        if (!location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"location '{location}': expected s3://BUCKET[/PREFIX] or a local path");
        var source = BucketSource.Parse(location);
        var credentials = CredentialResolver.Resolve(new CredentialRequest(
            source.Bucket, r.GetValue(PasswdFile), r.GetValue(Profile), r.GetValue(NoSign),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), MountRunner.CurrentEnvironment()));
        var options = new S3StoreOptions
        {
            Bucket = source.Bucket,
            Prefix = source.Prefix,
            Endpoint = r.GetValue(EndpointUrl) is { } url ? OptionValues.Url(EndpointUrl.Name, url) : null,
            Region = r.GetValue(Region) is { } region ? OptionValues.Region(Region.Name, region) : null,
            PathStyle = r.GetValue(PathStyle),
            Credentials = credentials.Credentials,
            MaxConnections = connections,
            ExpectContinue = false,
        };
        options = options with { Region = options.Region ?? S3ObjectStore.DetectRegionAsync(options, CancellationToken.None).GetAwaiter().GetResult() };
        return new StoreSide(new S3ObjectStore(options));
    }
}
