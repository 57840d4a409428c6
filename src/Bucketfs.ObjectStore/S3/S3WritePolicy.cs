using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Bucketfs.ObjectStore.S3;

/// <summary>How objects are stored and paid for (s3fs's use_sse, storage_class, default_acl, requester_pays).</summary>
public enum SseKind
{
    None,
    /// <summary>SSE-S3: keys the store manages (x-amz-server-side-encryption: AES256).</summary>
    S3,
    /// <summary>SSE-KMS: a KMS key, the store's default one when no id is given.</summary>
    Kms,
    /// <summary>SSE-C: a key of the user's, sent with every write, read and copy of the object.</summary>
    Customer,
}

/// <summary>
/// What every request that writes, copies or reads an object carries so that data is stored as
/// asked: encryption, storage class, canned ACL, and the requester-pays flag. Applied by
/// <see cref="S3ObjectStore"/> to PUT, multipart create and parts, copies (chmod, rename, xattr
/// changes) and, for SSE-C, to GET and HEAD, which need the key to answer at all.
/// </summary>
public sealed record S3WritePolicy
{
    public SseKind Encryption { get; init; }

    /// <summary>The KMS key for <see cref="SseKind.Kms"/>; null for the store's default key.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>The 256-bit key for <see cref="SseKind.Customer"/>.</summary>
    public byte[]? CustomerKey { get; init; }

    /// <summary>A storage class such as STANDARD_IA; null leaves the store's default.</summary>
    public string? StorageClass { get; init; }

    /// <summary>A canned ACL such as private or public-read; null sends none (the bucket's default applies).</summary>
    public string? CannedAcl { get; init; }

    public bool RequesterPays { get; init; }

    /// <summary>Uploads are not hashed for the signature (UNSIGNED-PAYLOAD); the SDK does so on https only.</summary>
    public bool UnsignedPayload { get; init; }

    private string? Key64 => CustomerKey is null ? null : Convert.ToBase64String(CustomerKey);

    private string? KeyMd5 => CustomerKey is null ? null : Convert.ToBase64String(MD5.HashData(CustomerKey));

    private ServerSideEncryptionCustomerMethod CustomerMethod =>
        Encryption == SseKind.Customer ? ServerSideEncryptionCustomerMethod.AES256 : ServerSideEncryptionCustomerMethod.None;

    private RequestPayer? Payer => RequesterPays ? RequestPayer.Requester : null;

    public void Apply(PutObjectRequest r)
    {
        SetStoredEncryption(m => r.ServerSideEncryptionMethod = m, id => r.ServerSideEncryptionKeyManagementServiceKeyId = id);
        if (Encryption == SseKind.Customer) (r.ServerSideEncryptionCustomerMethod, r.ServerSideEncryptionCustomerProvidedKey, r.ServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
        SetClassAndAcl(c => r.StorageClass = c, a => r.CannedACL = a);
        if (Payer is { } payer) r.RequestPayer = payer;
        if (UnsignedPayload) r.DisablePayloadSigning = true;
    }

    public void Apply(InitiateMultipartUploadRequest r)
    {
        SetStoredEncryption(m => r.ServerSideEncryptionMethod = m, id => r.ServerSideEncryptionKeyManagementServiceKeyId = id);
        if (Encryption == SseKind.Customer) (r.ServerSideEncryptionCustomerMethod, r.ServerSideEncryptionCustomerProvidedKey, r.ServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
        SetClassAndAcl(c => r.StorageClass = c, a => r.CannedACL = a);
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(UploadPartRequest r)
    {
        if (Encryption == SseKind.Customer) (r.ServerSideEncryptionCustomerMethod, r.ServerSideEncryptionCustomerProvidedKey, r.ServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
        if (Payer is { } payer) r.RequestPayer = payer;
        if (UnsignedPayload) r.DisablePayloadSigning = true;
    }

    /// <summary>A copy writes a new object: it is stored as a PUT would be, and an SSE-C source needs its key too.</summary>
    public void Apply(CopyObjectRequest r)
    {
        SetStoredEncryption(m => r.ServerSideEncryptionMethod = m, id => r.ServerSideEncryptionKeyManagementServiceKeyId = id);
        if (Encryption == SseKind.Customer)
        {
            (r.ServerSideEncryptionCustomerMethod, r.ServerSideEncryptionCustomerProvidedKey, r.ServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
            (r.CopySourceServerSideEncryptionCustomerMethod, r.CopySourceServerSideEncryptionCustomerProvidedKey, r.CopySourceServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
        }
        SetClassAndAcl(c => r.StorageClass = c, a => r.CannedACL = a);
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(CopyPartRequest r)
    {
        if (Encryption == SseKind.Customer)
        {
            (r.ServerSideEncryptionCustomerMethod, r.ServerSideEncryptionCustomerProvidedKey, r.ServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
            (r.CopySourceServerSideEncryptionCustomerMethod, r.CopySourceServerSideEncryptionCustomerProvidedKey, r.CopySourceServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
        }
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(GetObjectRequest r)
    {
        if (Encryption == SseKind.Customer) (r.ServerSideEncryptionCustomerMethod, r.ServerSideEncryptionCustomerProvidedKey, r.ServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(GetObjectMetadataRequest r)
    {
        if (Encryption == SseKind.Customer) (r.ServerSideEncryptionCustomerMethod, r.ServerSideEncryptionCustomerProvidedKey, r.ServerSideEncryptionCustomerProvidedKeyMD5) = (CustomerMethod, Key64, KeyMd5);
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(ListObjectsV2Request r)
    {
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(DeleteObjectRequest r)
    {
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(CompleteMultipartUploadRequest r)
    {
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    public void Apply(AbortMultipartUploadRequest r)
    {
        if (Payer is { } payer) r.RequestPayer = payer;
    }

    private void SetClassAndAcl(Action<S3StorageClass> storageClass, Action<S3CannedACL> acl)
    {
        if (StorageClass is { } name) storageClass(new S3StorageClass(name));
        if (CannedAcl is { } canned) acl(new S3CannedACL(canned));
    }

    private void SetStoredEncryption(Action<ServerSideEncryptionMethod> method, Action<string> kmsKey)
    {
        if (Encryption == SseKind.S3) method(ServerSideEncryptionMethod.AES256);
        if (Encryption != SseKind.Kms) return;
        method(ServerSideEncryptionMethod.AWSKMS);
        if (KmsKeyId is { } id) kmsKey(id);
    }
}
