using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace Bucketfs.ObjectStore.S3;

/// <summary>Turns SDK and network failures into <see cref="ObjectStoreException"/>s with a kind a filesystem can act on.</summary>
internal static class S3ErrorMapping
{
    public static ObjectStoreException Map(Exception e, string what)
    {
        switch (e)
        {
            case ObjectStoreException mapped:
                return mapped;
            case AmazonS3Exception s3:
                return new ObjectStoreException(Classify(s3.ErrorCode, s3.StatusCode), $"{what}: {Describe(s3)}", e);
            case AmazonServiceException service when service.StatusCode != 0:
                return new ObjectStoreException(Classify(service.ErrorCode, service.StatusCode), $"{what}: {service.StatusCode} {service.ErrorCode} {service.Message}", e);
            case OperationCanceledException:
                return new ObjectStoreException(StoreError.Unavailable, $"{what}: timed out", e);
            default:
                return new ObjectStoreException(StoreError.Unavailable, $"{what}: {Innermost(e).Message}", e);
        }
    }

    private static StoreError Classify(string? code, HttpStatusCode status) => code switch
    {
        "NoSuchKey" or "NotFound" => StoreError.NotFound,
        "NoSuchBucket" => StoreError.NoSuchBucket,
        "AccessDenied" or "AllAccessDisabled" => StoreError.AccessDenied,
        "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" => StoreError.InvalidCredentials,
        "PreconditionFailed" => StoreError.PreconditionFailed,
        "InvalidRange" => StoreError.InvalidRange,
        "NotImplemented" => StoreError.NotSupported,
        _ => status switch
        {
            HttpStatusCode.NotFound => StoreError.NotFound,
            HttpStatusCode.Forbidden => StoreError.AccessDenied,
            HttpStatusCode.PreconditionFailed => StoreError.PreconditionFailed,
            HttpStatusCode.RequestedRangeNotSatisfiable => StoreError.InvalidRange,
            HttpStatusCode.NotImplemented => StoreError.NotSupported,
            >= HttpStatusCode.InternalServerError => StoreError.Unavailable,
            _ => StoreError.Rejected,
        },
    };

    private static string Describe(AmazonS3Exception e) =>
        string.IsNullOrEmpty(e.ErrorCode) ? $"HTTP {(int)e.StatusCode} {e.StatusCode}" : $"{e.ErrorCode} (HTTP {(int)e.StatusCode}): {e.Message}";

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }
}
