using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Bucketfs.Cli.Credentials;

/// <summary>
/// The SDK's default credential chain (web identity, ECS/EKS container credentials, EC2 instance
/// metadata), looked up on first use rather than when built: building the SDK's instance-profile
/// credentials starts a timer that calls the metadata service at once, and resolving must stay
/// free of network calls. When the chain finds nothing, each use fails with a
/// <see cref="CredentialException"/> (no inner exception, so error mappers that report the
/// innermost message show this one) saying what was tried.
/// </summary>
internal sealed class DeferredChainCredentials : AWSCredentials
{
    private readonly string bucket;
    private readonly Func<CancellationToken, Task<AWSCredentials>> resolve;
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile AWSCredentials? inner;

    public DeferredChainCredentials(string bucket)
        : this(bucket, _ => DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync())
    {
    }

    /// <summary>For tests: <paramref name="resolve"/> stands in for the SDK chain.</summary>
    internal DeferredChainCredentials(string bucket, Func<CancellationToken, Task<AWSCredentials>> resolve)
    {
        this.bucket = bucket;
        this.resolve = resolve;
    }

    public override DateTime? Expiration => inner?.Expiration;

    public override ImmutableCredentials GetCredentials() => Resolved().GetCredentials();

    public override async Task<ImmutableCredentials> GetCredentialsAsync() =>
        await (await ResolvedAsync().ConfigureAwait(false)).GetCredentialsAsync().ConfigureAwait(false);

    public override string ToString() => "SDK default credential chain (deferred)";

    private AWSCredentials Resolved() => inner ?? ResolvedAsync().GetAwaiter().GetResult();

    private async Task<AWSCredentials> ResolvedAsync()
    {
        if (inner is { } done) return done;
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (inner is { } raced) return raced;
            AWSCredentials found;
            try
            {
                found = await resolve(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Failures are not kept: instance metadata can come up later (a role attached to a running instance).
                throw new CredentialException(
                    $"no credentials found for bucket {bucket}: looked for --passwd-file, --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " +
                    "AWS_PROFILE, a default profile in ~/.aws, ~/.passwd-s3fs and /etc/passwd-s3fs, then web identity, container and " +
                    $"instance-metadata credentials ({Summary(e)}); use --no-sign-request for a public bucket");
            }
            inner = found;
            return found;
        }
        finally
        {
            gate.Release();
        }
    }

    private static string Summary(Exception e)
    {
        // The SDK's chain error lists each provider's failure on its own line, "Exception N of M: ...";
        // the last one is the machine's own source (instance metadata), the useful part here.
        string[] lines = e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string text = lines.Length > 1 ? lines[^1] : lines.FirstOrDefault() ?? e.GetType().Name;
        text = System.Text.RegularExpressions.Regex.Replace(text, @"^Exception \d+ of \d+:\s*", "");
        return text.TrimEnd('.');
    }
}
