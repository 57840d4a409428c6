using System.Diagnostics.CodeAnalysis;
using Amazon.Runtime;

namespace Bucketfs.Cli.Credentials;

/// <summary>
/// Picks the credentials for `bucketfs mount` the way s3fs and the AWS CLI users keep them. The
/// first source found wins, except that a source named on the command line (or by AWS_PROFILE)
/// must work or the mount fails: it never silently falls through to the next one.
/// <list type="number">
/// <item>--no-sign-request: unsigned requests.</item>
/// <item>--passwd-file (s3fs's -o passwd_file=): ACCESS:SECRET / BUCKET:ACCESS:SECRET lines, mode 600.</item>
/// <item>--profile: a profile of ~/.aws/credentials or ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE move them).</item>
/// <item>AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); s3fs's AWSACCESSKEYID +
/// AWSSECRETACCESSKEY (+ AWSSESSIONTOKEN); then AWS_PROFILE, which must exist.</item>
/// <item>The default profile, if it holds credentials (a [default] with only a region does not).</item>
/// <item>~/.passwd-s3fs, then /etc/passwd-s3fs, when they exist (checked as in 2).</item>
/// <item>The SDK chain: web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), container credentials,
/// instance metadata; built without network calls, so a missing source shows on first use.</item>
/// </list>
/// </summary>
internal static class CredentialResolver
{
    public const string SdkChainSource = "instance metadata / web identity (SDK chain)";

    // The SDK creates its STS client by name, through reflection, for role and web-identity
    // credentials (its registry for native builds gets no source credentials to give it); these keep
    // that client's constructors in a trimmed native build, so the reflection finds them.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Amazon.SecurityToken.AmazonSecurityTokenServiceClient))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Amazon.SecurityToken.AmazonSecurityTokenServiceConfig))]
    public static ResolvedCredentials Resolve(CredentialRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        string? home = string.IsNullOrEmpty(r.HomeDirectory) ? null : r.HomeDirectory;

        // 1. Unsigned.
        if (r.NoSignRequest) return new ResolvedCredentials(null, "none (--no-sign-request: unsigned requests)");

        // s3fs's iam_role and ecs name the machine's own credentials.
        if (r.IamRole is { } role) return FromMachine(role, r.Bucket);

        // 2. A named passwd file.
        if (!string.IsNullOrEmpty(r.PasswdFile))
        {
            string path = Path.GetFullPath(ExpandHome(r.PasswdFile, home));
            return FromPasswdFile(path, r);
        }

        var profiles = SharedProfiles.Locate(r);

        // 3. A named profile.
        if (!string.IsNullOrEmpty(r.Profile)) return FromNamedProfile(profiles, r.Profile, "--profile");

        // 4. The environment.
        if (FromEnvironment(r, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN") is { } aws) return aws;
        if (FromEnvironment(r, "AWSACCESSKEYID", "AWSSECRETACCESSKEY", "AWSSESSIONTOKEN") is { } s3fs) return s3fs;
        if (Variable(r, "AWS_PROFILE") is { } envProfile) return FromNamedProfile(profiles, envProfile, "AWS_PROFILE");

        // 5. The default profile.
        if (profiles is not null)
        {
            var lookup = profiles.Load("default");
            if (lookup.State == SharedProfiles.ProfileState.Usable)
                return new ResolvedCredentials(lookup.Credentials, profiles.Describe("default"));
        }

        // 6. s3fs's own files, when present.
        if (home is not null)
        {
            string user = Path.Combine(home, ".passwd-s3fs");
            if (PasswdFile.Exists(user)) return FromPasswdFile(user, r);
        }
        if (!string.IsNullOrEmpty(r.SystemPasswdFile) && PasswdFile.Exists(r.SystemPasswdFile))
            return FromPasswdFile(r.SystemPasswdFile, r);

        // 7. What the SDK finds on the machine.
        return FromSdkChain(r);
    }

    private static ResolvedCredentials FromMachine(string role, string bucket) => role switch
    {
        // Built on first use: the SDK asks instance metadata for the role's name, and reads the
        // container variables, when these are constructed; a missing source shows then.
        "ecs" => new ResolvedCredentials(new DeferredChainCredentials(bucket, _ => Task.FromResult<AWSCredentials>(new GenericContainerCredentials())), "container credentials (-o ecs)"),
        "auto" => new ResolvedCredentials(new DeferredChainCredentials(bucket, _ => Task.FromResult<AWSCredentials>(new InstanceProfileAWSCredentials())), "instance metadata (-o iam_role)"),
        _ => new ResolvedCredentials(new InstanceProfileAWSCredentials(role), $"instance metadata, role {role} (-o iam_role)"),
    };

    private static ResolvedCredentials FromPasswdFile(string path, CredentialRequest r)
    {
        var entry = PasswdFile.Read(path, r.Bucket, systemFile: path == r.SystemPasswdFile);
        string which = entry.Bucket is null ? "" : $" (line for bucket {entry.Bucket})";
        return new ResolvedCredentials(new BasicAWSCredentials(entry.AccessKey, entry.SecretKey), $"passwd file {path}{which}");
    }

    private static ResolvedCredentials FromNamedProfile(SharedProfiles? profiles, string name, string namedBy)
    {
        if (profiles is null)
            throw new CredentialException($"profile {name} (from {namedBy}) not found: no home directory, and neither AWS_SHARED_CREDENTIALS_FILE nor AWS_CONFIG_FILE is set");
        var lookup = profiles.Load(name);
        return lookup.State switch
        {
            SharedProfiles.ProfileState.Usable => new ResolvedCredentials(lookup.Credentials, profiles.Describe(name)),
            SharedProfiles.ProfileState.WithoutCredentials => throw new CredentialException(
                $"{profiles.Describe(name)} (from {namedBy}) holds no credentials (no aws_access_key_id/aws_secret_access_key, role_arn, sso_* or credential_process)"),
            _ => throw new CredentialException($"profile {name} (from {namedBy}) not found in {profiles.DescribeFiles()}"),
        };
    }

    private static ResolvedCredentials? FromEnvironment(CredentialRequest r, string keyVariable, string secretVariable, string tokenVariable)
    {
        string? key = Variable(r, keyVariable), secret = Variable(r, secretVariable), token = Variable(r, tokenVariable);
        if (key is null && secret is null) return null;
        if (key is null) throw new CredentialException($"{secretVariable} is set but {keyVariable} is not");
        if (secret is null) throw new CredentialException($"{keyVariable} is set but {secretVariable} is not");
        return token is null
            ? new ResolvedCredentials(new BasicAWSCredentials(key, secret), $"environment ({keyVariable}, {secretVariable})")
            : new ResolvedCredentials(new SessionAWSCredentials(key, secret, token), $"environment ({keyVariable}, {secretVariable}, {tokenVariable})");
    }

    private static ResolvedCredentials FromSdkChain(CredentialRequest r)
    {
        string? tokenFile = Variable(r, AssumeRoleWithWebIdentityCredentials.WebIdentityTokenFileEnvVariable);
        string? roleArn = Variable(r, AssumeRoleWithWebIdentityCredentials.RoleArnEnvVariable);
        if (tokenFile is not null || roleArn is not null)
        {
            if (tokenFile is null) throw new CredentialException("AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not (web identity needs both)");
            if (roleArn is null) throw new CredentialException("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not (web identity needs both)");
            string? sessionName = Variable(r, AssumeRoleWithWebIdentityCredentials.RoleSessionNameEnvVariable);
            try
            {
                // Construction only checks its arguments; the token is read and STS called on first use.
                var credentials = new AssumeRoleWithWebIdentityCredentials(tokenFile, roleArn, sessionName);
                return new ResolvedCredentials(credentials, $"web identity (AWS_WEB_IDENTITY_TOKEN_FILE {tokenFile}, role {roleArn})");
            }
            catch (ArgumentException e)
            {
                throw new CredentialException($"web identity from AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN/AWS_ROLE_SESSION_NAME cannot be used: {e.Message.Split('\n')[0].Trim()}");
            }
        }

        string source = Variable(r, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is not null || Variable(r, "AWS_CONTAINER_CREDENTIALS_FULL_URI") is not null
            ? "container credentials (SDK chain)"
            : SdkChainSource;
        return new ResolvedCredentials(new DeferredChainCredentials(r.Bucket), source);
    }

    /// <summary>An environment variable of the request; unset and empty are the same.</summary>
    internal static string? Variable(CredentialRequest r, string name) =>
        r.Environment.TryGetValue(name, out string? value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>"~" and "~/..." against the home directory, as a shell would have for options given as -o name=~/...</summary>
    internal static string ExpandHome(string path, string? home)
    {
        if (home is null) return path;
        if (path == "~") return home;
        return path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
    }
}
