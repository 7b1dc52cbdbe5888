import sys

from exporter.collectors.dispy import DispyCollector, dispynode_cpus_flag, is_dispynode, served_cpus
from exporter.config import Config
from tests.exporter.trees import fixture_config, key, samples
from tests.support.processes import running, wait_until


def test_rpi4_runs_a_dispynode_serving_three_cpus():
    assert samples(DispyCollector(fixture_config("rpi4")).collect()) == {
        key("dispycluster_dispynode_up"): 1.0,
        key("dispycluster_dispynode_cpus"): 3.0,
    }


def test_x86_server_runs_no_dispynode():
    assert samples(DispyCollector(fixture_config("x86-server")).collect()) == {
        key("dispycluster_dispynode_up"): 0.0
    }


def test_cpus_option_forms():
    assert dispynode_cpus_flag(["dispynode.py", "--cpus=2"]) == 2
    assert dispynode_cpus_flag(["dispynode.py", "-c", "-1"]) == -1
    assert dispynode_cpus_flag(["dispynode.py", "-c4"]) == 4
    assert dispynode_cpus_flag(["dispynode.py", "--clean"]) is None


def test_recognises_the_script_and_the_console_entry_point():
    assert is_dispynode(["/usr/bin/python3", "/opt/venv/bin/dispynode.py", "-d"])
    assert is_dispynode(["/usr/local/bin/dispynode"])
    assert is_dispynode(["python3", "-u", "-m", "dispy.dispynode", "--cpus", "2"])
    assert not is_dispynode(["/usr/bin/python3", "/home/pi/job.py", "dispynode.py"])
    assert not is_dispynode(["/usr/bin/vim", "dispynode.py"])
    assert not is_dispynode([])


def test_served_cpus_follow_dispynode_rules():
    assert served_cpus(["dispynode.py"], 4) == 4
    assert served_cpus(["dispynode.py", "-c", "0"], 4) == 4
    assert served_cpus(["dispynode.py", "-c", "-1"], 4) == 3
    assert served_cpus(["dispynode.py", "--cpus", "2"], 4) == 2


def test_finds_a_real_process_on_this_machine(tmp_path):
    script = tmp_path / "dispynode.py"
    script.write_text("import time\ntime.sleep(120)\n")
    collector = DispyCollector(Config())
    argv = [sys.executable, str(script), "--cpus", "1"]
    with running(argv, log_path=tmp_path / "node.log") as proc:
        wait_until(lambda: str(proc.pid) in collector.find())
        assert collector.find()[str(proc.pid)] == argv
        assert samples(collector.collect())[key("dispycluster_dispynode_up")] == 1.0
    assert str(proc.pid) not in collector.find()
