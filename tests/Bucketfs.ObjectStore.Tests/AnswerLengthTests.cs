using Bucketfs.ObjectStore.Calls;

namespace Bucketfs.ObjectStore.Tests;

/// <summary>A GET's answer is served only when its length is the one the request and the object call for.</summary>
public sealed class AnswerLengthTests
{
    [Theory]
    [InlineData("bytes 0-99/1000", 100, 0, 100, 100)]
    [InlineData("bytes 900-999/1000", 100, 900, 4096, 100)] // the object ends first
    [InlineData(null, 50, 0, 100, 50)]                     // a store that ignores Range, from 0
    public void AnswersOfTheRightLengthAreServed(string? contentRange, long contentLength, long offset, int asked, int expected) =>
        Assert.Equal(expected, AnswerLength.OfRange(contentRange, contentLength, offset, asked));

    [Theory]
    [InlineData("bytes 0-99/1000", 50, 0, 100)]   // Content-Length cut below the range it claims
    [InlineData("bytes 0-99/1000", 150, 0, 100)]  // longer than the range
    [InlineData("bytes 0-49/1000", 50, 0, 100)]   // less than asked of an object that has more
    [InlineData("bytes 10-109/1000", 100, 0, 100)] // another range than asked
    [InlineData(null, 100, 10, 100)]               // whole object for a range from elsewhere
    public void AnswersOfAnyOtherLengthAreFailedAttempts(string? contentRange, long contentLength, long offset, int asked)
    {
        var failure = Assert.Throws<ObjectStoreException>(() => AnswerLength.OfRange(contentRange, contentLength, offset, asked));
        Assert.Equal(StoreError.Unavailable, failure.Error);
    }

    [Fact]
    public void AWholeObjectMustBeAsLongAsItsVersion()
    {
        AnswerLength.Check(100, 100);
        Assert.Throws<ObjectStoreException>(() => AnswerLength.Check(50, 100));
    }
}
