using Amazon.Runtime;
using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Tests;

/// <summary>No source's secret shows in a description, error or log line.</summary>
[Collection(nameof(CredentialTestBed))]
public sealed class CredentialSecrecyTests : CredentialTestBed
{
    // ---- secrets ----

    public static TheoryData<string> EverySource() =>
        new() { "passwd", "bucket-line", "profile", "session-profile", "environment", "environment-token", "default", "home", "etc", "web-identity", "chain" };

    [Theory]
    [MemberData(nameof(EverySource))]
    public void NoSecretAppearsInSourceOrToString_WhateverTheSource(string scenario)
    {
        string? passwd = null, profile = null;
        switch (scenario)
        {
            case "passwd": passwd = WritePasswd($"{PasswdKey}:{PasswdSecret}\n"); break;
            case "bucket-line": passwd = WritePasswd($"{Bucket}:{BucketKey}:{BucketSecret}\n"); break;
            case "profile": WriteCredentials(ProfileSection("dev", ProfileKey, ProfileSecret)); profile = "dev"; break;
            case "session-profile": WriteCredentials(ProfileSection("dev", ProfileKey, ProfileSecret, ProfileToken)); profile = "dev"; break;
            case "environment": SetEnvironmentKeys(); break;
            case "environment-token": SetEnvironmentKeys(); environment["AWS_SESSION_TOKEN"] = EnvToken; break;
            case "default": WriteCredentials(ProfileSection("default", DefaultKey, DefaultSecret)); break;
            case "home": Write(HomePasswd, $"{HomeKey}:{HomeSecret}\n"); break;
            case "etc": Write(EtcPasswd, $"{EtcKey}:{EtcSecret}\n"); break;
            case "web-identity":
                environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
                environment["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
                SetEnvironmentKeys(key: "", secret: ""); // present but empty
                break;
        }
        if (scenario != "web-identity") SetEnvironmentKeysIfUnused(scenario);

        var request = Request(passwdFile: passwd, profile: profile);
        var resolved = CredentialResolver.Resolve(request);

        AssertNoSecret(resolved.Source);
        AssertNoSecret(resolved.ToString());
        AssertNoSecret(resolved.Credentials?.ToString() ?? "");
        AssertNoSecret(request.ToString());
    }

    private void SetEnvironmentKeysIfUnused(string scenario)
    {
        // Put secrets in the environment even where they are not the source, so request.ToString is tested with them present.
        if (scenario is "passwd" or "bucket-line" or "profile" or "session-profile")
        {
            SetEnvironmentKeys();
            environment["AWS_SESSION_TOKEN"] = EnvToken;
        }
    }

    [Fact]
    public void NoSecretAppearsInAnyErrorMessage()
    {
        var messages = new List<string>
        {
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}\n", Mode600 | UnixFileMode.OtherRead, "open")).Message,
            Refused(passwdFile: WritePasswd($"other:{BucketKey}:{BucketSecret}\n", name: "other-bucket")).Message,
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}\n{PasswdKey} {PasswdSecret}\n", name: "space")).Message,
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}:{BucketSecret}:x\n", name: "fields")).Message,
            Refused(passwdFile: WritePasswd($"{PasswdKey}:{PasswdSecret}\n{BucketKey}:{BucketSecret}\n", name: "twice")).Message,
        };
        WriteCredentials(ProfileSection("dev", ProfileKey, ProfileSecret, ProfileToken) + "[empty]\nregion = us-east-1\n");
        messages.Add(Refused(profile: "missing").Message);
        messages.Add(Refused(profile: "empty").Message);
        environment["AWS_SECRET_ACCESS_KEY"] = EnvSecret;
        environment["AWS_SESSION_TOKEN"] = EnvToken;
        messages.Add(Refused().Message);

        foreach (string message in messages)
        {
            AssertNoSecret(message);
            Assert.DoesNotContain('\n', message);
        }
    }

    [Fact]
    public void PasswdFileEntry_ToString_ShowsNeitherKeyNorSecret()
    {
        string passwd = WritePasswd($"{Bucket}:{BucketKey}:{BucketSecret}\n");

        string text = PasswdFile.Read(passwd, Bucket, systemFile: false).ToString();

        AssertNoSecret(text);
        Assert.DoesNotContain(BucketKey, text);
    }
}
