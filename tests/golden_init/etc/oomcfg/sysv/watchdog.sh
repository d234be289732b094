# oomcfg: managed file, do not edit (changes are overwritten by 'oomcfg apply')
# shellcheck shell=sh
# oom_score_adj for watchdog (watchdog.service) on a SysV/LSB init host.
# Hook: source this from /etc/init.d/watchdog (or /etc/default/watchdog) before
# the daemon is started:
#   if [ -r /etc/oomcfg/sysv/watchdog.sh ]; then . /etc/oomcfg/sysv/watchdog.sh; fi
# The script's shell gets the score; start-stop-daemon and the daemon inherit it.
# After sourcing, $oomcfg_oom_score_adj_applied is "yes" or "no" (a warning was
# printed), so a script that must not start unprotected can test it.
# shellcheck disable=SC2034 # oomcfg_oom_score_adj_applied is read by the sourcing script
oomcfg_service=watchdog
oomcfg_score=-1000
if { echo "${oomcfg_score}" >/proc/self/oom_score_adj; } 2>/dev/null; then
	oomcfg_oom_score_adj_applied=yes
else
	oomcfg_oom_score_adj_applied=no
	oomcfg_now=unknown
	{ read -r oomcfg_now </proc/self/oom_score_adj; } 2>/dev/null || :
	if { [ "${oomcfg_now}" -gt "${oomcfg_score}" ]; } 2>/dev/null; then
		oomcfg_msg="warning: ${oomcfg_service}: could not lower oom_score_adj to ${oomcfg_score} (it stays ${oomcfg_now}): lowering needs CAP_SYS_RESOURCE, so the service starts WITHOUT this protection"
	else
		oomcfg_msg="warning: ${oomcfg_service}: could not set oom_score_adj to ${oomcfg_score} (it stays ${oomcfg_now}): is /proc mounted?"
	fi
	echo "oomcfg: ${oomcfg_msg}" >&2 || :
	logger -t oomcfg -p daemon.warning -- "${oomcfg_msg}" 2>/dev/null || :
	unset oomcfg_msg oomcfg_now
fi
unset oomcfg_service oomcfg_score
