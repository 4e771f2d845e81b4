"""The page a recall notice links to: acknowledge receipt without signing in."""

import hmac

from flask import Blueprint, render_template, request

from ..extensions import db
from . import services
from .models import RecallNotice

bp = Blueprint("oversight_pages", __name__, template_folder="templates")


@bp.route("/recall-notices/<int:notice_id>/ack", methods=["GET", "POST"])
def acknowledge(notice_id):
    token = request.values.get("token", "")
    if request.method == "POST":
        notice = services.acknowledge_notice(notice_id, token, request.form.get("name", ""))
        db.session.commit()
        return render_template("oversight/ack.html", notice=notice, done=True, token=token)
    notice = db.session.get(RecallNotice, notice_id)
    if notice is None or not hmac.compare_digest(services.ack_token(notice_id), token):
        return render_template("oversight/ack.html", notice=None, done=False, token=""), 404
    return render_template("oversight/ack.html", notice=notice, done=False, token=token)
