using Bucketfs.Cli.Credentials;
using Bucketfs.Cli.Mount;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// Fills in what the command line left open from the AWS configuration, in the AWS CLI's order:
/// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then the profile's endpoint_url (its services section
/// first); AWS_CA_BUNDLE, then ca_bundle; AWS_REGION, AWS_DEFAULT_REGION, then region; the s3
/// addressing_style. The profile is --profile, else AWS_PROFILE, else default.
/// </summary>
internal static class AwsConfiguration
{
    public static StoreRequest Apply(StoreRequest s)
    {
        var request = s.Credentials();
        string? home = string.IsNullOrEmpty(request.HomeDirectory) ? null : request.HomeDirectory;
        string? Variable(string name) => CredentialResolver.Variable(request, name);
        string profile = s.Profile ?? Variable("AWS_PROFILE") ?? "default";
        var config = SharedProfiles.Locate(request) is { } files ? AwsConfigFile.Read(files.ConfigPath, profile) : new AwsProfileSettings(null, null, null, null);
        string where = $"profile {profile}";

        return s with
        {
            Endpoint = s.Endpoint
                ?? Url("AWS_ENDPOINT_URL_S3", Variable("AWS_ENDPOINT_URL_S3"))
                ?? Url("AWS_ENDPOINT_URL", Variable("AWS_ENDPOINT_URL"))
                ?? Url($"endpoint_url of {where}", config.EndpointUrl),
            CaBundle = s.CaBundle ?? Variable("AWS_CA_BUNDLE") ?? (config.CaBundle is { } bundle ? CredentialResolver.ExpandHome(bundle, home) : null),
            Region = s.Region ?? ((Variable("AWS_REGION") ?? Variable("AWS_DEFAULT_REGION") ?? config.Region) is { } region ? OptionValues.Region("region", region) : null),
            PathStyle = s.PathStyle || config.PathStyle == true,
        };
    }

    private static Uri? Url(string from, string? text) => text is null ? null : OptionValues.Url(from, text);
}
