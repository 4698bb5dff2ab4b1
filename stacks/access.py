"""A participant's way in: a console sign-in that can build, check and break only their labs."""

from aws_cdk import Aws
from constructs import Construct

from course.config import ContextError, LabSettings
from course.names import ACCESS_ID
from lab_constructs.participant_access import ParticipantSignIn
from stacks.lab_stack import LabStack


class AccessStack(LabStack):
    """The IAM user `<participant>`, tagged `participant=<participant>` like every lab resource.

    Not one of `stacks.LABS`: it is not a lab a student builds, and it exists only for a
    participant (`stacks.app` adds it to the app when `-c participant=...` is given).
    Its managed policies are named like the stack (`<participant>-LabAccess`, `...Guards`,
    `...Boundary`): the permissions name `<participant>-LabAccessBoundary` as the permissions
    boundary of every role the participant creates.
    """

    lab_id = ACCESS_ID
    title = "Participant sign-in"
    folder = "access"

    def __init__(self, scope: Construct, *, settings: LabSettings) -> None:
        if not settings.participant:
            raise ContextError("participant", None, "LabAccess needs -c participant=<name>")
        super().__init__(scope, settings=settings)
        sign_in = ParticipantSignIn(
            self,
            "SignIn",
            user_name=settings.participant,
            policy_name=settings.stack_name(self.lab_id),
        )
        self.user = sign_in.user
        self.output(
            "SignInUrl",
            f"https://{Aws.ACCOUNT_ID}.signin.aws.amazon.com/console",
            "Where the participant signs in",
        )
        self.output("UserName", self.user.user_name, "The participant's IAM user name")
        self.output(
            "BackupRoleArn",
            sign_in.backup_role.role_arn,
            "The participant's IAM role for AWS Backup (LabBackup), instead of the Default role",
        )
        self.output(
            "FirstPasswordCommand",
            f"aws secretsmanager get-secret-value --secret-id {sign_in.password.secret_arn}"
            " --query SecretString --output text",
            "The trainer runs this to read the first password (changed at first sign-in)",
        )
