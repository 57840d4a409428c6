using Bucketfs.Cli.Mount;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// The one place a source becomes a store: s3:// (and s3fs's BUCKET) with AWS-style credentials,
/// swift:// with OpenStack settings (--os-* options, then a clouds.yaml cloud, then OS_*
/// variables), and an rclone remote as its config file describes it. Finds credentials and
/// settings without asking the store anything; failures are CredentialExceptions (one line).
/// The store made counts its requests on the request's meter and logs them (at debug level) to <c>log</c>.
/// </summary>
internal static class StoreFactory
{
    public static StoreTarget Resolve(StoreRequest r, ILogger log)
    {
        if (r.Source.Remote != null) return RcloneRemotes.Resolve(r, log);
        if (r.Source.Scheme == BucketSource.Swift)
        {
            var (settings, from) = OpenStackSettings.Gather(r);
            return SwiftTarget.Create(r, settings, from, log);
        }
        return S3Target.Create(AwsConfiguration.Apply(r), log);
    }
}
