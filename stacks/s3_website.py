"""Lab "Host a Static Website with S3": a website bucket anyone may read, and nothing more."""

from constructs import Construct

from course import sheets
from course.config import LabSettings
from lab_constructs import LabFiles, LabWebsiteBucket
from stacks.lab_stack import LabStack

SHEET = sheets.S3_WEBSITE


class S3WebsiteStack(LabStack):
    """A bucket with static website hosting, public read through its policy, and two pages."""

    lab = sheets.lab("LabS3Website")

    def __init__(self, scope: Construct, *, settings: LabSettings) -> None:
        super().__init__(scope, settings=settings)

        # Steps 1-4: a bucket with static website hosting whose policy lets anyone read its
        # objects (Block Public Access off for policies only, see LabWebsiteBucket).
        website = LabWebsiteBucket(
            self,
            "WebsiteBucket",
            index_document=SHEET.index_document,
            error_document=SHEET.error_document,
        )
        self.bucket = website.bucket

        # Step 5: upload the pages. Beyond the sheet: an explicit Content-Type, so browsers
        # render the pages (and their UTF-8) instead of guessing.
        LabFiles(
            self,
            "Pages",
            bucket=self.bucket,
            source_dir=self.lab_dir,
            files=list(SHEET.pages),
            content_type=SHEET.content_type,
        )

        self.output("BucketName", self.bucket.bucket_name, "The lab's website bucket")
        self.output(
            "WebsiteUrl",
            self.bucket.bucket_website_url,
            "The bucket's website endpoint (HTTP only): open it in a browser",
        )
