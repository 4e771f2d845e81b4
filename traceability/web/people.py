"""The mails that carry password links (reset, and an inspector's first password)."""

from flask import url_for

from . import mail, passwords


def _send_link(user, subject: str, intro_vi: str, intro_en: str):
    link = url_for("accounts_web.reset_password", token=passwords.make_token(user),
                   _external=True)
    minutes = passwords.max_age() // 60
    body = (
        f"{intro_vi}\n\n{link}\n\n"
        f"Liên kết dùng được một lần, trong {minutes} phút. Nếu bạn không yêu cầu, hãy bỏ qua "
        f"thư này.\n\n---\n\n"
        f"{intro_en}\n\n{link}\n\n"
        f"The link works once, for {minutes} minutes. If you did not ask for it, ignore this "
        f"message.\n"
    )
    # Sent on a thread: the page answers at once and the same whatever happens, so nobody
    # learns which emails exist; the operator finds a failure in the log.
    return mail.send_in_background(user.email, subject, body)


def send_reset_mail(user):
    return _send_link(
        user, "Đặt lại mật khẩu / Reset your password",
        "Có người (có thể là bạn) yêu cầu đặt lại mật khẩu tài khoản truy xuất nguồn gốc. "
        "Mở liên kết sau để chọn mật khẩu mới:",
        "Someone (probably you) asked to reset the password of your traceability account. "
        "Open this link to choose a new password:")


def send_set_password_mail(user):
    return _send_link(
        user, "Tài khoản kiểm tra viên / Your inspector account",
        "Quản trị viên đã tạo tài khoản kiểm tra viên cho bạn. Mở liên kết sau để chọn mật khẩu:",
        "An administrator created an inspector account for you. Open this link to choose "
        "your password:")
