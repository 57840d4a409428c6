using Bucketfs.Cli.Credentials;
using Bucketfs.Cli.Mount;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// A source REMOTE:BUCKET[/PREFIX] as rclone reads it: the remote's section of the rclone config
/// file (--rclone-config, RCLONE_CONFIG, ~/.config/rclone/rclone.conf, ~/.rclone.conf), of type
/// swift (Keystone v3 or v1 auth, application credentials, env_auth) or s3 (endpoint, region,
/// keys or env_auth, path style).
/// </summary>
internal static class RcloneRemotes
{
    public static StoreTarget Resolve(StoreRequest r, ILogger log)
    {
        string remote = r.Source.Remote!;
        var (file, sections) = RcloneConfig.Load(r);
        if (!sections.TryGetValue(remote, out var options))
            throw new CredentialException($"rclone remote {remote} not found in {file}");
        string from = $"rclone remote {remote} of {file}";
        string? Get(string name) => options.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
        bool envAuth = Get("env_auth") is "true" or "1";
        switch (Get("type"))
        {
            case "swift":
            {
                var settings = SwiftSettings(options);
                // env_auth: the OS_* variables, as rclone reads them, for what the remote leaves out.
                if (envAuth)
                {
                    foreach (string name in OpenStackAuth.Names)
                        if (r.Variable("OS_" + name.ToUpperInvariant()) is { } value) settings.TryAdd(name, value);
                }
                return SwiftTarget.Create(r with { Source = r.Source.As(BucketSource.Swift) }, settings, from, log);
            }
            case "s3":
            {
                string? key = Get("access_key_id"), secret = Get("secret_access_key");
                var environment = new Dictionary<string, string?>(r.Environment);
                // Keys in the remote win; without them env_auth takes the usual AWS chain.
                if (key != null && secret != null)
                {
                    environment["AWS_ACCESS_KEY_ID"] = key;
                    environment["AWS_SECRET_ACCESS_KEY"] = secret;
                    environment["AWS_SESSION_TOKEN"] = Get("session_token");
                    environment.Remove("AWS_PROFILE");
                }
                else if (!envAuth)
                    throw new CredentialException($"{from} has no access_key_id/secret_access_key and no env_auth = true");
                var endpoint = Get("endpoint") is { } e ? OptionValues.Url($"endpoint of {from}", e.Contains("://", StringComparison.Ordinal) ? e : "https://" + e) : null;
                var target = S3Target.Create(r with
                {
                    Source = r.Source.As(BucketSource.S3),
                    Environment = environment,
                    Endpoint = r.Endpoint ?? endpoint,
                    Region = r.Region ?? Get("region"),
                    // rclone addresses buckets in the path unless told otherwise (force_path_style defaults to true).
                    PathStyle = r.PathStyle || Get("force_path_style") is not ("false" or "0"),
                }, log);
                return target;
            }
            case var type:
                throw new CredentialException($"{from} is of type {type ?? "(none)"}; bucketfs mounts remotes of type swift and s3");
        }
    }

    /// <summary>rclone's swift options under the OpenStack names they stand for.</summary>
    private static Dictionary<string, string> SwiftSettings(IReadOnlyDictionary<string, string> options)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["auth"] = "auth_url",
            ["user"] = "username",
            ["user_id"] = "user_id",
            ["key"] = "password",
            ["domain"] = "user_domain_name",
            ["tenant"] = "project_name",
            ["tenant_id"] = "project_id",
            ["tenant_domain"] = "project_domain_name",
            ["region"] = "region_name",
            ["storage_url"] = "storage_url",
            ["auth_token"] = "auth_token",
            ["auth_version"] = "auth_version",
            ["endpoint_type"] = "interface",
            ["application_credential_id"] = "application_credential_id",
            ["application_credential_name"] = "application_credential_name",
            ["application_credential_secret"] = "application_credential_secret",
        };
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in options)
            if (map.TryGetValue(name, out var setting) && value.Length > 0) settings[setting] = value;
        return settings;
    }
}
