using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace Bucketfs.Cli.Credentials;

/// <summary>
/// The AWS CLI's ~/.aws/credentials and ~/.aws/config (or AWS_SHARED_CREDENTIALS_FILE and
/// AWS_CONFIG_FILE), read through the SDK's <see cref="SharedCredentialsFile"/> so every profile kind
/// the SDK knows (keys, session tokens, assume-role, SSO, credential_process, web identity) works.
/// </summary>
internal sealed class SharedProfiles
{
    internal enum ProfileState { Missing, WithoutCredentials, Usable }

    internal readonly record struct ProfileLookup(ProfileState State, AWSCredentials? Credentials);

    private const string CredentialsFileVariable = "AWS_SHARED_CREDENTIALS_FILE";
    private const string ConfigFileVariable = "AWS_CONFIG_FILE";

    private readonly string homeDirectory;

    public string CredentialsPath { get; }
    public string ConfigPath { get; }

    private SharedProfiles(string credentialsPath, string configPath, string homeDirectory)
    {
        CredentialsPath = credentialsPath;
        ConfigPath = configPath;
        this.homeDirectory = homeDirectory;
    }

    /// <summary>The files the AWS CLI would read for this home directory and environment; null when there is neither a home nor an override.</summary>
    public static SharedProfiles? Locate(CredentialRequest request)
    {
        string? home = string.IsNullOrEmpty(request.HomeDirectory) ? null : request.HomeDirectory;
        string? credentials = CredentialResolver.Variable(request, CredentialsFileVariable) is { } c ? CredentialResolver.ExpandHome(c, home) : null;
        string? config = CredentialResolver.Variable(request, ConfigFileVariable) is { } f ? CredentialResolver.ExpandHome(f, home) : null;
        if (home is not null)
        {
            credentials ??= Path.Combine(home, ".aws", "credentials");
            config ??= Path.Combine(home, ".aws", "config");
        }
        if (credentials is null && config is null) return null;
        // No home and only one file named: the other is absent, as under the conventional non-home.
        credentials ??= "/nonexistent/.aws/credentials";
        config ??= "/nonexistent/.aws/config";
        return new SharedProfiles(Path.GetFullPath(credentials), Path.GetFullPath(config), home ?? "");
    }

    /// <summary>How a profile is named in messages: "profile dev in ~/.aws/credentials".</summary>
    public string Describe(string profile) => $"profile {profile} in {Display(WhereDefined(profile))}";

    /// <summary>The files, for a message saying where a profile was looked for.</summary>
    public string DescribeFiles() => $"{Display(CredentialsPath)} or {Display(ConfigPath)}";

    /// <summary>
    /// Looks <paramref name="profile"/> up and, when it holds credentials, makes the SDK credentials
    /// for it (no network call: refreshing kinds fetch on first use). Throws
    /// <see cref="CredentialException"/> when the files or the profile cannot be used.
    /// </summary>
    public ProfileLookup Load(string profile)
    {
        using var store = Open();
        CredentialProfile? found;
        try
        {
            if (!store.File.TryGetProfile(profile, out found)) return new ProfileLookup(ProfileState.Missing, null);
        }
        catch (Exception e) when (e is not CredentialException)
        {
            throw new CredentialException($"cannot read {DescribeFiles()}: {CredentialException.Unreadable(e)}");
        }
        if (!found.CanCreateAWSCredentials) return new ProfileLookup(ProfileState.WithoutCredentials, null);
        try
        {
            // Inside the using: source_profile chains read the store again.
            return new ProfileLookup(ProfileState.Usable, AWSCredentialsFactory.GetAWSCredentials(found, store.File));
        }
        catch (Exception e) when (e is not CredentialException)
        {
            throw new CredentialException($"{Describe(profile)} cannot be used: {Redact(FirstLine(e.Message), found.Options)}");
        }
    }

    private string WhereDefined(string profile)
    {
        // The SDK does not say which file a profile came from; a section header in the credentials
        // file is what the AWS CLI would use first, so that one is named when present.
        if (HasSection(CredentialsPath, profile, configStyle: false)) return CredentialsPath;
        if (HasSection(ConfigPath, profile, configStyle: true)) return ConfigPath;
        return CredentialsPath;
    }

    private static bool HasSection(string path, string profile, bool configStyle)
    {
        try
        {
            if (!File.Exists(path)) return false;
            foreach (string raw in File.ReadLines(path))
            {
                string line = raw.Trim();
                if (!line.StartsWith('[') || !line.EndsWith(']')) continue;
                string name = line[1..^1].Trim();
                if (configStyle && name.StartsWith("profile ", StringComparison.Ordinal)) name = name["profile ".Length..].Trim();
                if (name == profile) return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return false;
    }

    private string Display(string path) =>
        homeDirectory.Length > 0 && path.StartsWith(homeDirectory.TrimEnd('/') + "/", StringComparison.Ordinal)
            ? "~" + path[homeDirectory.TrimEnd('/').Length..]
            : path;

    /// <summary>
    /// An SDK <see cref="SharedCredentialsFile"/> that reads exactly <see cref="CredentialsPath"/> and
    /// <see cref="ConfigPath"/>. The SDK reads the config file that sits next to the credentials file,
    /// unless AWS_CONFIG_FILE is set in the process, where it reads that one; when the request's files
    /// are not laid out that way, a private directory of symbolic links puts them side by side.
    /// </summary>
    private OpenStore Open()
    {
        string? processConfig = System.Environment.GetEnvironmentVariable(ConfigFileVariable);
        if (!string.IsNullOrEmpty(processConfig))
        {
            string sdkConfig = Path.GetFullPath(SharedCredentialsFile.DefaultConfigFilePath);
            if (sdkConfig != ConfigPath)
                throw new CredentialException($"cannot read {Display(ConfigPath)}: the AWS SDK in this process is bound to {sdkConfig} by {ConfigFileVariable}");
            return new OpenStore(new SharedCredentialsFile(CredentialsPath), null);
        }

        string sibling = Path.Combine(Path.GetDirectoryName(CredentialsPath)!, "config");
        bool configExists = File.Exists(ConfigPath);
        if (sibling == ConfigPath || (!configExists && !File.Exists(sibling)))
            return new OpenStore(new SharedCredentialsFile(CredentialsPath), null);

        var staging = Directory.CreateTempSubdirectory("bucketfs-aws-");
        try
        {
            File.SetUnixFileMode(staging.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string credentials = Path.Combine(staging.FullName, "credentials");
            if (File.Exists(CredentialsPath)) File.CreateSymbolicLink(credentials, CredentialsPath);
            if (configExists) File.CreateSymbolicLink(Path.Combine(staging.FullName, "config"), ConfigPath);
            return new OpenStore(new SharedCredentialsFile(credentials), staging);
        }
        catch
        {
            staging.Delete(recursive: true);
            throw;
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static string Redact(string message, CredentialProfileOptions options)
    {
        foreach (string? secret in new[] { options.SecretKey, options.Token, options.AccessKey })
            if (!string.IsNullOrEmpty(secret)) message = message.Replace(secret, "***", StringComparison.Ordinal);
        return message;
    }

    private sealed class OpenStore(SharedCredentialsFile file, DirectoryInfo? staging) : IDisposable
    {
        public SharedCredentialsFile File { get; } = file;

        public void Dispose()
        {
            try
            {
                staging?.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
