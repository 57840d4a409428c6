using Amazon.Runtime;

namespace Bucketfs.Cli.Credentials;

/// <summary>
/// What <see cref="CredentialResolver"/> needs to pick credentials for one mount. Everything that
/// would otherwise be read from the process (home directory, environment, the system-wide s3fs
/// file) is passed in, so tests can run against temporary files only.
/// </summary>
/// <param name="Bucket">The bucket being mounted; selects BUCKET:ACCESS:SECRET lines of passwd files.</param>
/// <param name="PasswdFile">--passwd-file / -o passwd_file=, or null.</param>
/// <param name="Profile">--profile / -o profile=, or null.</param>
/// <param name="NoSignRequest">--no-sign-request / -o public_bucket=1.</param>
/// <param name="HomeDirectory">Where ~/.aws and ~/.passwd-s3fs live; empty when there is no home.</param>
/// <param name="Environment">The environment variables to consult (AWS_*), normally the process's.</param>
internal sealed record CredentialRequest(
    string Bucket,
    string? PasswdFile,
    string? Profile,
    bool NoSignRequest,
    string HomeDirectory,
    IReadOnlyDictionary<string, string?> Environment)
{
    /// <summary>s3fs's system-wide passwd file; a property so tests can point it elsewhere.</summary>
    public string SystemPasswdFile { get; init; } = Credentials.PasswdFile.SystemPath;

    /// <summary>s3fs's -o iam_role (auto or a role name) or -o ecs ("ecs"): the machine's credentials, asked for by name.</summary>
    public string? IamRole { get; init; }

    // The environment holds secrets; the compiler-made ToString would only print the dictionary's
    // type name, but spelling it out keeps that true whatever dictionary is passed.
    public override string ToString() =>
        $"CredentialRequest {{ Bucket = {Bucket}, PasswdFile = {PasswdFile}, Profile = {Profile}, NoSignRequest = {NoSignRequest}, HomeDirectory = {HomeDirectory}, SystemPasswdFile = {SystemPasswdFile} }}";
}

/// <summary>
/// The outcome of <see cref="CredentialResolver.Resolve"/>. <see cref="Credentials"/> is null when
/// requests must go unsigned (give the SDK <see cref="AnonymousAWSCredentials"/> then: a null
/// credentials argument makes the SDK search its own default chain instead).
/// <see cref="Source"/> says where they came from, for logs and error messages; it never holds a secret.
/// </summary>
internal sealed record ResolvedCredentials(AWSCredentials? Credentials, string Source)
{
    /// <summary>True when requests are to be sent unsigned.</summary>
    public bool IsUnsigned => Credentials is null;

    /// <summary>The credentials to hand an SDK client: anonymous ones for unsigned requests.</summary>
    public AWSCredentials ForSdkClient() => Credentials ?? new AnonymousAWSCredentials();

    public override string ToString() => $"credentials from {Source}";
}

/// <summary>
/// Credentials named or found could not be used. The message is one line meant for the user; it
/// names files, profiles and variables but never a key or secret.
/// </summary>
internal sealed class CredentialException(string message) : Exception(message)
{
    /// <summary>
    /// Why a credentials file could not be read, in words: the system's reason for a read failure,
    /// nothing more for anything else, since a parser's message may quote a line of the file.
    /// </summary>
    public static string Unreadable(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException => e.Message,
        _ => "not in a form it can read",
    };
}
